import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ExecutionFanOutInfo } from '@api-manager/contracts';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { WAKE_CHANNEL } from '../channels.js';
import { managerRows, poolOf } from '../../database/pg-pool.js';
import { inTransaction } from '../../database/transaction.js';
import { toExecution } from '../sql.js';
import type { Execution } from '../execution.entity.js';

/** What every child of one parent shares. */
export interface ChildTemplate {
  jobId: string;
  jobName: string;
  parentId: string;
  actor: string | null;
  maxAttempts: number;
  runAt: Date | null;
  push: Record<string, unknown> | null;
  /** The parent's params without the fan-out params; each child adds its own items. */
  base: Record<string, unknown>;
}

type Query = (text: string, params: unknown[]) => Promise<unknown>;

/**
 * Insert the children of a fan-out parent: one row per JSON object of `items` (the child's own params),
 * in their order, in one statement. Each child's params are the base plus its items, nothing else (a
 * copy of the whole list in every child made this quadratic).
 */
export async function insertChildren(query: Query, t: ChildTemplate, items: string[]): Promise<void> {
  if (!items.length) return;
  await query(
    `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, parent_id, params, max_attempts, run_at,
                             created_at, push, pipeline_run_id)
     SELECT $1, $2, 'fanout', $3::text, $4, $3::uuid, $5::jsonb || t.item::jsonb, $6,
            COALESCE($7, now()), clock_timestamp(), $9::jsonb,
            (SELECT p.pipeline_run_id FROM executions p WHERE p.id = $3::uuid)
       FROM unnest($8::text[]) WITH ORDINALITY AS t(item, n) ORDER BY t.n`,
    [
      t.jobId,
      t.jobName,
      t.parentId,
      t.actor,
      JSON.stringify(t.base),
      t.maxAttempts,
      t.runAt,
      items,
      t.push ? JSON.stringify(t.push) : null,
    ],
  );
}

export const managerQuery =
  (m: EntityManager): Query =>
  (text, params) =>
    m.query(text, params);

/** SQL of fan-out parents: the fetched-source outcome, per-parent parallelism, the `fanOut` detail. */
@Injectable()
export class FanOutStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool() {
    return poolOf(this.dataSource);
  }

  /**
   * The fetched list arrived: in one transaction (only while `owner` still holds the lease) the parent
   * gets its params, its children and its record, and is released from the lease (a fan-out parent
   * runs without one; it settles when its last child does). 0 children: succeeded at once.
   */
  async sourceFetched(
    exec: Execution,
    owner: string,
    params: Record<string, unknown>,
    fanOut: ExecutionFanOutInfo,
    child: Omit<ChildTemplate, 'parentId'>,
    items: string[],
    logs: [string, string][],
  ): Promise<Execution | null> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `UPDATE executions SET params = $3::jsonb, fan_out = $4::jsonb, children_total = $5,
                lease_owner = NULL, lease_until = NULL,
                status = CASE WHEN $5 = 0 THEN 'succeeded' ELSE 'running' END,
                finished_at = CASE WHEN $5 = 0 THEN now() END,
                duration_ms = CASE WHEN $5 = 0 THEN (extract(epoch FROM now() - started_at) * 1000)::int END
          WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING *`,
        [exec.id, owner, JSON.stringify(params), JSON.stringify(fanOut), items.length],
      );
      if (!rows[0]) return null;
      await insertChildren((t, p) => c.query(t, p), { ...child, parentId: exec.id }, items);
      await this.log(c, exec.id, logs);
      if (items.length) await c.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
      return toExecution(rows[0]);
    });
  }

  /** The fetch failed: the parent fails with the reason (no default list, ever), lease released. */
  async sourceFailed(
    exec: Execution,
    owner: string,
    error: string,
    fanOut: ExecutionFanOutInfo,
    logs: [string, string][],
    status: 'failed' | 'cancelled' = 'failed',
  ): Promise<Execution | null> {
    return inTransaction(this.pool, async (c) => {
      const { rows } = await c.query(
        `UPDATE executions SET status = $6, error = $3, fan_out = $4::jsonb, finished_at = now(),
                duration_ms = (extract(epoch FROM now() - started_at) * 1000)::int,
                lease_owner = NULL, lease_until = NULL,
                attempts = attempts || jsonb_build_array(jsonb_build_object('attempt', attempt,
                  'startedAt', started_at, 'finishedAt', now(), 'status', $6::text, 'error', $3::text, 'httpStatus', $5::int))
          WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING *`,
        [exec.id, owner, error, JSON.stringify(fanOut), fanOut.sources?.find((s) => s.error)?.status ?? null, status],
      );
      if (!rows[0]) return null;
      await this.log(c, exec.id, logs);
      return toExecution(rows[0]);
    });
  }

  private async log(c: PoolClient, id: string, logs: [string, string][]): Promise<void> {
    if (!logs.length) return;
    await c.query(
      `INSERT INTO execution_logs (execution_id, level, message)
       SELECT $1, l.level, l.message FROM unnest($2::text[], $3::text[]) AS l(level, message)`,
      [id, logs.map((l) => l[0]), logs.map((l) => l[1])],
    );
  }

  /** Record how a parent was made (dimensions, parallelism) in the transaction that inserted it. */
  async describe(m: EntityManager, id: string, fanOut: ExecutionFanOutInfo): Promise<void> {
    await managerRows(m, `UPDATE executions SET fan_out = $2::jsonb WHERE id = $1`, [id, JSON.stringify(fanOut)]);
  }

  /** GET /executions/:id `fanOut` (absent for runs that are not fan-out parents). */
  async info(id: string): Promise<{ fanOut?: ExecutionFanOutInfo }> {
    const { rows } = await this.pool.query(`SELECT fan_out FROM executions WHERE id = $1 AND fan_out IS NOT NULL`, [
      id,
    ]);
    return rows[0] ? { fanOut: rows[0].fan_out as ExecutionFanOutInfo } : {};
  }
}

/** Parents among `ids` that carry their own parallelism (a backfill's), read inside the claim's transaction. */
export async function parentParallelism(c: PoolClient, ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (!ids.length) return out;
  const { rows } = await c.query(
    `SELECT id, (fan_out->>'parallelism')::int AS n FROM executions
      WHERE id = ANY($1::uuid[]) AND jsonb_typeof(fan_out->'parallelism') = 'number'`,
    [ids],
  );
  for (const r of rows as { id: string; n: number }[]) if (r.n > 0) out.set(r.id, r.n);
  return out;
}
