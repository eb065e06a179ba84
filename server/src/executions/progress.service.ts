import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EventsService } from './events.service.js';
import type { Execution } from './execution.entity.js';
import { poolOf, toExecution } from './sql.js';

/** Fan-out parents: count finished children and settle the parent as succeeded / partial / failed. */
@Injectable()
export class ProgressService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  /** Record one finished child; returns the parent when this child was the last one. */
  async childFinished(child: Pick<Execution, 'parentId' | 'trigger'>, failed: boolean): Promise<Execution | null> {
    if (!child.parentId || child.trigger !== 'fanout') return null;
    const { rows } = await poolOf(this.dataSource).query(
      `UPDATE executions SET
         children_done = children_done + 1,
         children_failed = children_failed + $2::int,
         status = CASE WHEN children_done + 1 >= children_total THEN
                    CASE WHEN children_failed + $2::int = 0 THEN 'succeeded'
                         WHEN children_failed + $2::int >= children_total THEN 'failed'
                         ELSE 'partial' END
                  ELSE status END,
         finished_at = CASE WHEN children_done + 1 >= children_total THEN now() ELSE finished_at END,
         duration_ms = CASE WHEN children_done + 1 >= children_total
                         THEN (extract(epoch FROM now() - COALESCE(started_at, created_at)) * 1000)::int
                         ELSE duration_ms END,
         error = CASE WHEN children_done + 1 >= children_total AND children_failed + $2::int > 0
                   THEN (children_failed + $2::int) || ' of ' || children_total || ' children failed'
                   ELSE error END
       WHERE id = $1 AND status = 'running'
       RETURNING *`,
      [child.parentId, failed ? 1 : 0],
    );
    const parent = rows[0] ? toExecution(rows[0]) : null;
    if (parent) {
      void this.events.publish('execution', {
        id: parent.id,
        status: parent.status,
        jobName: parent.jobName,
        progress: { total: parent.childrenTotal, done: parent.childrenDone, failed: parent.childrenFailed },
      });
    }
    return parent && parent.status !== 'running' ? parent : null;
  }
}
