import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventsService } from './events.service.js';
import type { Execution } from './execution.entity.js';
import { poolOf } from '../database/pg-pool.js';
import { countFinishedChild, toExecution } from './executions.store.js';

export type ChildResult = 'succeeded' | 'failed' | 'cancelled';

/** Fan-out parents: count finished children and settle the parent as succeeded / partial / failed / cancelled. */
@Injectable()
export class ProgressService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /**
   * Record one finished child; returns the parent when this child was the last one. The parent settles
   * as `cancelled` when it was cancelled (cancel_requested) or when every child that did not succeed was
   * cancelled; else `succeeded` (none failed), `failed` (none succeeded) or `partial`. Cancelled
   * children are counted apart (`children_cancelled`), never as failures.
   */
  async childFinished(child: Pick<Execution, 'parentId' | 'trigger'>, result: ChildResult): Promise<Execution | null> {
    if (!child.parentId || child.trigger !== 'fanout') return null;
    const f = result === 'failed' ? 1 : 0;
    const c = result === 'cancelled' ? 1 : 0;
    const row = await countFinishedChild(poolOf(this.dataSource), child.parentId, f, c);
    const parent = row ? toExecution(row) : null;
    if (parent) {
      void this.events.publish('execution', {
        id: parent.id,
        status: parent.status,
        jobName: parent.jobName,
        progress: {
          total: parent.childrenTotal,
          done: parent.childrenDone,
          failed: parent.childrenFailed,
          cancelled: parent.childrenCancelled,
        },
      });
    }
    return parent && parent.status !== 'running' ? parent : null;
  }
}
