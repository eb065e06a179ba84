import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventsService } from './events.service.js';
import type { Execution } from './execution.entity.js';
import { poolOf } from '../database/pg-pool.js';
import { toExecution } from './sql.js';

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
    const { rows } = await poolOf(this.dataSource).query(
      `WITH n AS (SELECT id, children_done + 1 AS done, children_failed + $2::int AS failed,
                         children_cancelled + $3::int AS cancelled, children_total AS total,
                         children_done + 1 >= children_total AS last, cancel_requested
                    FROM executions WHERE id = $1 AND status = 'running' FOR UPDATE)
       UPDATE executions e SET
         children_done = n.done,
         children_failed = n.failed,
         children_cancelled = n.cancelled,
         status = CASE WHEN NOT n.last THEN e.status
                       WHEN n.cancel_requested OR (n.cancelled > 0 AND n.failed = 0) THEN 'cancelled'
                       WHEN n.failed = 0 THEN 'succeeded'
                       WHEN n.failed + n.cancelled >= n.total THEN 'failed'
                       ELSE 'partial' END,
         finished_at = CASE WHEN n.last THEN now() ELSE e.finished_at END,
         duration_ms = CASE WHEN n.last
                         THEN (extract(epoch FROM now() - COALESCE(e.started_at, e.created_at)) * 1000)::int
                         ELSE e.duration_ms END,
         error = CASE WHEN NOT n.last OR (n.failed = 0 AND n.cancelled = 0) THEN e.error
                      WHEN n.cancel_requested OR n.failed = 0 THEN
                        'Cancelled: ' || n.cancelled || ' of ' || n.total || ' children cancelled'
                        || CASE WHEN n.failed > 0 THEN ', ' || n.failed || ' failed' ELSE '' END
                      ELSE n.failed || ' of ' || n.total || ' children failed'
                        || CASE WHEN n.cancelled > 0 THEN ', ' || n.cancelled || ' cancelled' ELSE '' END
                 END
         FROM n WHERE e.id = n.id
       RETURNING e.*`,
      [child.parentId, f, c],
    );
    const parent = rows[0] ? toExecution(rows[0]) : null;
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
