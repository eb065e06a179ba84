import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { JobsService } from '../jobs/jobs.service.js';
import { EventsService } from './events.service.js';
import { ExecutionEventsStore } from './execution-events.store.js';
import type { Execution } from './execution.entity.js';
import { ExecutionsService } from './executions.service.js';
import { notifyWake } from './executions.store.js';
import { inTransaction } from '../database/transaction.js';
import { poolOf } from '../database/pg-pool.js';

/**
 * "Retry failed children" of a fan-out parent: only the children that failed, timed out or were lost run
 * again (cancelled ones were stopped on purpose and are not), as new child executions (`retry_of` = the
 * failed child) under the same parent. The parent goes back to running with their slots taken out of its
 * progress, and settles again when they finish (ProgressService), so its counts stay exact.
 */
@Injectable()
export class RetryFailedService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly executions: ExecutionsService,
    private readonly jobs: JobsService,
    private readonly events: EventsService,
  ) {}

  async retry(id: string, actor: string | null): Promise<Execution> {
    const parent = await this.executions.findOne(id);
    if (!(parent.childrenTotal > 0)) {
      throw new BadRequestException(`Execution ${id} is not a fan-out parent: retry it without only=failed`);
    }
    const job = await this.jobs.get(parent.jobId);
    if (!job.enabled) throw new ConflictException(`Job "${job.name}" is disabled: enable it before running it`);
    const pool = poolOf(this.dataSource);
    const out = await inTransaction(pool, async (c) => {
      const r = await ExecutionEventsStore.retryFailedChildren(c, id, actor);
      if (r.parent === 'ok') await notifyWake(c);
      return r;
    });
    switch (out.parent) {
      case 'missing':
        return this.executions.findOne(id);
      case 'not_fanout':
        throw new BadRequestException(`Execution ${id} is not a fan-out parent: retry it without only=failed`);
      case 'busy':
        throw new ConflictException(
          `Execution ${id} is ${out.status}: wait for it to finish before retrying its failed children`,
        );
      case 'none':
        throw new ConflictException(`Execution ${id} has no failed children to retry`);
      case 'ok':
        break;
    }
    const done = await this.executions.findOne(id);
    void this.events.publish('execution', {
      id: done.id,
      status: done.status,
      jobName: done.jobName,
      progress: {
        total: done.childrenTotal,
        done: done.childrenDone,
        failed: done.childrenFailed,
        cancelled: done.childrenCancelled,
      },
    });
    for (const childId of out.ids) {
      void this.events.publish('execution', { id: childId, status: 'queued', jobName: done.jobName, parentId: id });
    }
    return done;
  }
}
