import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ExecutionFanOutInfo } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import type { Execution } from '../executions/execution.entity.js';
import { insertChildren, type ChildTemplate } from '../executions/fanout/fanout.store.js';
import { WAKE_CHANNEL } from '../executions/channels.js';
import { poolOf } from '../database/pg-pool.js';
import { inTransaction } from '../database/transaction.js';
import { toExecution } from '../executions/sql.js';

/**
 * Which of `keys` (JSON objects of param values) have NO succeeded run of the job whose params hold the
 * same values for `names`. Set-based, one statement: the job's succeeded single runs (not fan-out
 * parents) are read through executions_job_status_created_idx (job_id, status, …), each reduced to its
 * key (the values of `names`), deduplicated, and the request's keys are hash-anti-joined against them
 * (jsonb equality hashes). Cost: one index range scan of that job's succeeded runs, whatever the number
 * of keys. Returns the 0-based positions of the missing keys, in order.
 */
export const MISSING_KEYS_SQL = `
  WITH keys AS (
    SELECT k.key, k.n FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS k(key, n)),
  done AS (
    SELECT DISTINCT (SELECT jsonb_object_agg(name, e.params -> name) FROM unnest($3::text[]) AS name) AS key
      FROM executions e
     WHERE e.job_id = $1 AND e.status = 'succeeded' AND e.children_total = 0)
  SELECT COALESCE(array_agg(keys.n - 1 ORDER BY keys.n), '{}') AS missing
    FROM keys WHERE NOT EXISTS (SELECT 1 FROM done WHERE done.key = keys.key)`;

export interface BackfillParent {
  jobId: string;
  jobName: string;
  trigger: 'manual' | 'api';
  triggerRef: string | null;
  actor: string | null;
  params: Record<string, unknown>;
  maxAttempts: number;
  fanOut: ExecutionFanOutInfo;
}

/** SQL of backfills: the only-missing check, and the parent with its children in one transaction. */
@Injectable()
export class BackfillStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool() {
    return poolOf(this.dataSource);
  }

  async missingKeys(jobId: string, names: string[], keys: Record<string, unknown>[]): Promise<number[]> {
    if (!keys.length) return [];
    const { rows } = await this.pool.query(MISSING_KEYS_SQL, [jobId, JSON.stringify(keys), names]);
    return (rows[0]?.missing as number[] | undefined)?.map(Number) ?? [];
  }

  /**
   * The backfill's parent execution (running, or succeeded at once with nothing to run) and its children
   * (trigger fanout: progress, cancel and the parallelism limit work as for any fan-out), atomically.
   */
  async create(parent: BackfillParent, child: Omit<ChildTemplate, 'parentId'>, items: string[]): Promise<Execution> {
    return inTransaction(this.pool, async (c) => {
      const n = items.length;
      const { rows } = await c.query(
        `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, params, status, max_attempts, run_at,
            started_at, finished_at, duration_ms, children_total, fan_out)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, CASE WHEN $8 = 0 THEN 'succeeded' ELSE 'running' END, $7, now(),
            now(), CASE WHEN $8 = 0 THEN now() END, CASE WHEN $8 = 0 THEN 0 END, $8, $9::jsonb)
         RETURNING *`,
        [
          parent.jobId,
          parent.jobName,
          parent.trigger,
          parent.triggerRef,
          parent.actor,
          JSON.stringify(parent.params),
          parent.maxAttempts,
          n,
          JSON.stringify(parent.fanOut),
        ],
      );
      const exec = toExecution(rows[0]);
      await insertChildren((t, p) => c.query(t, p), { ...child, parentId: exec.id }, items);
      if (n) await c.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
      return exec;
    });
  }
}
