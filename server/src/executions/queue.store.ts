import type { Pool, PoolClient } from 'pg';
import { inTransaction } from '../database/transaction.js';
import type { Queryable } from '../database/pg-pool.js';
import { WAKE_CHANNEL } from './channels.js';

/**
 * SQL of the queue (claim, renew, reap, release) and of the completion writer: the executions module's
 * data access for dispatch (docs/architecture.md "Data access"). The claim reads `jobs` on purpose
 * (concurrency limits and the job stamp, in the same statement).
 */

/** A raw `executions` row as `RETURNING *` gives it (snake_case; `toExecution` maps it). */
export type ExecutionRow = Record<string, unknown> & { id: string; job_id: string };

/** A due candidate of the claim. */
export interface Candidate {
  id: string;
  job_id: string;
  parent_id: string | null;
  trigger: string;
}

/**
 * The claim statement. Single table, `status = 'queued'` + `ORDER BY run_at` matches the partial
 * index executions_claim_idx exactly. Run it with CLAIM_PLAN set (see there).
 */
export const CLAIM_CANDIDATES_SQL = `SELECT id, job_id, parent_id, trigger FROM executions
  WHERE status = 'queued' AND run_at <= now()
    AND job_id <> ALL($2::uuid[]) AND (parent_id IS NULL OR parent_id <> ALL($3::uuid[]))
  ORDER BY run_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

/**
 * Planner settings of the claim's transaction. Statistics taken while no row was queued (the usual state:
 * every row final) estimate one queued row, and the planner then prefers a bitmap scan of every due row
 * plus a Sort over the ordered index scan that stops after LIMIT: each claim read and sorted the whole
 * backlog (a 20,000-row burst read ~20,000 rows per claim; at 1 worker, one claim per row, O(n²)).
 * Without bitmap scans, sequential scans and sorts the only plan left is the ordered Index Scan on
 * executions_claim_idx, whatever the statistics say.
 */
export const CLAIM_PLAN =
  'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off';

export const JOB_STAMP = `version || ':' || extract(epoch FROM updated_at)`;

/** A job whose rows need the locked claim path: a running limit (max, or overlap queue/skip). */
const LIMITED_JOB = `(jsonb_typeof(j.concurrency->'max') = 'number' AND (j.concurrency->>'max')::numeric > 0)
  OR j.concurrency->>'overlap' IN ('queue', 'skip')`;

/**
 * One statement for the common case: lock due candidates, claim those of unlimited jobs, report
 * how many were passed over because their job (or fan-out) has a limit.
 */
export const FAST_CLAIM_SQL = `WITH cand AS (${CLAIM_CANDIDATES_SQL}),
  flagged AS (
    SELECT cand.id, COALESCE(cand.trigger = 'fanout' OR ${LIMITED_JOB}, false) AS limited, ${JOB_STAMP} AS job_stamp
      FROM cand JOIN jobs j ON j.id = cand.job_id),
  upd AS (
    UPDATE executions e SET status = 'running', lease_owner = $4,
           lease_until = now() + $5 * interval '1 millisecond', started_at = now(), finished_at = NULL
      FROM flagged f WHERE e.id = f.id AND NOT f.limited
    RETURNING e.*, f.job_stamp)
  SELECT (SELECT json_agg(upd) FROM upd) AS claimed,
         (SELECT count(*)::int FROM flagged WHERE limited) AS limited`;

/** Run `fn` in a transaction whose statements are planned with CLAIM_PLAN (BEGIN and the settings: one round trip). */
export function inClaimTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  return inTransaction(pool, fn, `BEGIN; ${CLAIM_PLAN}`);
}

export const QueueStore = {
  /** The fast claim (see FAST_CLAIM_SQL): claimed rows with their job stamp, and how many were limited. */
  async claimFast(
    c: Queryable,
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ rows: (ExecutionRow & { job_stamp: string })[]; limited: number }> {
    const { rows } = await c.query<{ claimed: (ExecutionRow & { job_stamp: string })[] | null; limited: number }>(
      FAST_CLAIM_SQL,
      [limit, [], [], owner, leaseMs],
    );
    return { rows: rows[0]?.claimed ?? [], limited: rows[0]?.limited ?? 0 };
  },

  async candidates(c: Queryable, limit: number, blockedJobs: string[], blockedParents: string[]): Promise<Candidate[]> {
    const { rows } = await c.query<Candidate>(CLAIM_CANDIDATES_SQL, [limit, blockedJobs, blockedParents]);
    return rows;
  },

  async jobLimits(
    c: Queryable,
    ids: string[],
  ): Promise<{ id: string; stamp: string; concurrency: Record<string, unknown> | null }[]> {
    const { rows } = await c.query<{ id: string; stamp: string; concurrency: Record<string, unknown> | null }>(
      `SELECT id, ${JOB_STAMP} AS stamp, concurrency FROM jobs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows;
  },

  /** Serialize claimers of the same limited jobs / fan-outs until commit (sorted: never a cycle). */
  async lockKeys(c: Queryable, keys: string[]): Promise<void> {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k`, [
      keys,
    ]);
  },

  async runningPerJob(c: Queryable, jobIds: string[]): Promise<{ k: string; n: number }[]> {
    const { rows } = await c.query<{ k: string; n: number }>(
      `SELECT job_id AS k, count(*)::int AS n FROM executions
        WHERE status = 'running' AND lease_owner IS NOT NULL AND job_id = ANY($1::uuid[]) GROUP BY job_id`,
      [jobIds],
    );
    return rows;
  },

  async runningPerParent(c: Queryable, parentIds: string[]): Promise<{ k: string; n: number }[]> {
    const { rows } = await c.query<{ k: string; n: number }>(
      `SELECT parent_id AS k, count(*)::int AS n FROM executions
        WHERE parent_id = ANY($1::uuid[]) AND status = 'running' AND lease_owner IS NOT NULL GROUP BY parent_id`,
      [parentIds],
    );
    return rows;
  },

  async claimIds(c: Queryable, ids: string[], owner: string, leaseMs: number): Promise<ExecutionRow[]> {
    const { rows } = await c.query<ExecutionRow>(
      `UPDATE executions SET status = 'running', lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond',
              started_at = now(), finished_at = NULL
        WHERE id = ANY($1::uuid[]) RETURNING *`,
      [ids, owner, leaseMs],
    );
    return rows;
  },

  /** Extend leases; the rows still ours, with their cancel request. */
  async renew(c: Queryable, owner: string, ids: string[], leaseMs: number): Promise<{ id: string; cancel: boolean }[]> {
    const { rows } = await c.query<{ id: string; cancel_requested: boolean }>(
      `UPDATE executions SET lease_until = now() + $3 * interval '1 millisecond'
        WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'running'
        RETURNING id, cancel_requested`,
      [ids, owner, leaseMs],
    );
    return rows.map((r) => ({ id: r.id, cancel: r.cancel_requested }));
  },

  /** Rows whose lease expired: requeued as the next attempt, or `lost`. */
  async reap(c: Queryable, limit: number): Promise<ExecutionRow[]> {
    const { rows } = await c.query<ExecutionRow>(
      `WITH expired AS (
         SELECT id FROM executions WHERE status = 'running' AND lease_until < now()
          ORDER BY lease_until LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE executions e SET
         attempts = e.attempts || jsonb_build_array(jsonb_build_object(
           'attempt', e.attempt, 'startedAt', e.started_at, 'finishedAt', now(), 'status', 'lost',
           'error', 'Lease expired: the worker running it stopped (' || COALESCE(e.lease_owner, '?') || ')',
           'httpStatus', NULL)),
         status = CASE WHEN e.attempt < e.max_attempts THEN 'queued' ELSE 'lost' END,
         error = 'Lease expired: the worker running it stopped',
         finished_at = CASE WHEN e.attempt < e.max_attempts THEN NULL ELSE now() END,
         duration_ms = CASE WHEN e.attempt < e.max_attempts THEN NULL
                         ELSE (extract(epoch FROM now() - e.started_at) * 1000)::int END,
         attempt = CASE WHEN e.attempt < e.max_attempts THEN e.attempt + 1 ELSE e.attempt END,
         run_at = now(), lease_owner = NULL, lease_until = NULL
       FROM expired WHERE e.id = expired.id
       RETURNING e.*`,
      [limit],
    );
    return rows;
  },

  /** Give rows back to the queue (same attempt); the ids given back. */
  async release(c: Queryable, owner: string, ids: string[]): Promise<string[]> {
    const { rows } = await c.query<{ id: string }>(
      `UPDATE executions SET status = 'queued', lease_owner = NULL, lease_until = NULL, started_at = NULL, run_at = now()
        WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [ids, owner],
    );
    return rows.map((r) => r.id);
  },

  /** Wake the workers of every replica. */
  async wake(c: Queryable): Promise<void> {
    await c.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
  },
};

/**
 * The completion writer's statement: results of a batch of attempts (a JSON array of `Completion`s),
 * each guarded by its lease, with their log lines; returns the written rows. The rows are found by
 * primary key (`id = ANY($2)`, the one indexable condition: the status guard is written `status || ''`
 * so that no index on status can serve it). With `status = 'running'` and the statistics of a burst,
 * the planner joined on executions_lease_idx (or status_created_idx): every write read every running
 * row, ~200 per write of 1–2 results.
 */
export const COMPLETION_SQL = `WITH d AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS d(id uuid, owner text, retry boolean, "delayMs" int, status text,
      request jsonb, response jsonb, error text, entry jsonb, levels text[], messages text[])),
  u AS (
    UPDATE executions e SET
      status = CASE WHEN d.retry THEN 'queued' ELSE d.status END,
      attempt = CASE WHEN d.retry THEN e.attempt + 1 ELSE e.attempt END,
      run_at = CASE WHEN d.retry THEN now() + d."delayMs" * interval '1 millisecond' ELSE e.run_at END,
      finished_at = CASE WHEN d.retry THEN NULL ELSE now() END,
      duration_ms = CASE WHEN d.retry THEN NULL ELSE (extract(epoch FROM now() - e.started_at) * 1000)::int END,
      lease_owner = NULL, lease_until = NULL, request = d.request, response = d.response, error = d.error,
      attempts = e.attempts || jsonb_build_array(d.entry)
    FROM d WHERE e.id = ANY($2::uuid[]) AND e.id = d.id AND e.lease_owner = d.owner AND e.status || '' = 'running'
    RETURNING e.id, e.job_id, e.job_name, e.trigger, e.actor, e.parent_id, e.params, e.status, e.attempt,
              e.max_attempts, e.created_at, e.run_at, e.started_at, e.finished_at, e.duration_ms, e.error, e.push),
  l AS (
    INSERT INTO execution_logs (execution_id, level, message)
    SELECT u.id, x.l, x.m FROM u JOIN d ON d.id = u.id, unnest(d.levels, d.messages) AS x(l, m))
  SELECT * FROM u`;

export const CompletionStore = {
  /** Write a batch (`data`: JSON array of completions, `ids`: their ids); the rows written. */
  async write<T>(c: Queryable, data: string, ids: string[]): Promise<T[]> {
    const { rows } = await c.query(COMPLETION_SQL, [data, ids]);
    return rows as T[];
  },
};
