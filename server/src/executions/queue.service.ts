import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import type { Job } from '../jobs/job.entity.js';
import { concurrencyOf } from './concurrency.js';
import type { Execution } from './execution.entity.js';
import { parentParallelism } from './fanout/fanout.store.js';
import { WAKE_CHANNEL } from './channels.js';
import { poolOf } from '../database/pg-pool.js';
import { inTransaction } from '../database/transaction.js';
import { toExecution } from './sql.js';

export interface Claimed {
  exec: Execution;
  job: Job;
}

/**
 * The claim statement. Single table, `status = 'queued'` + `ORDER BY run_at` matches the partial
 * index executions_claim_idx exactly, so the plan is an index scan even before any ANALYZE.
 */
export const CLAIM_CANDIDATES_SQL = `SELECT id, job_id, parent_id, trigger FROM executions
  WHERE status = 'queued' AND run_at <= now()
    AND job_id <> ALL($2::uuid[]) AND (parent_id IS NULL OR parent_id <> ALL($3::uuid[]))
  ORDER BY run_at
  LIMIT $1
  FOR UPDATE SKIP LOCKED`;

const lockKey = (kind: string, id: string) => `apm-${kind}:${id}`;
const JOB_STAMP = `version || ':' || extract(epoch FROM updated_at)`;

/** A job whose rows need the locked claim path: a running limit (max, or overlap queue/skip). */
const LIMITED_JOB = `(jsonb_typeof(j.concurrency->'max') = 'number' AND (j.concurrency->>'max')::numeric > 0)
  OR j.concurrency->>'overlap' IN ('queue', 'skip')`;

/**
 * One round trip for the common case: lock due candidates, claim those of unlimited jobs, report
 * how many were passed over because their job (or fan-out) has a limit.
 */
const FAST_CLAIM_SQL = `WITH cand AS (${CLAIM_CANDIDATES_SQL}),
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

/** SQL of the queue: claim (with per-job / per-fan-out limits across replicas), renew, reap, release. */
@Injectable()
export class QueueService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalogue: JobCatalogue,
  ) {}

  private get pool() {
    return poolOf(this.dataSource);
  }

  /**
   * Claim up to `limit` due executions for `owner`, leasing them for `leaseMs`. Fast path: one
   * statement claims rows of jobs without limits; rows of limited jobs / fan-outs go through the
   * locked path (advisory lock per job/parent + count of running rows).
   */
  async claim(owner: string, limit: number, leaseMs: number): Promise<Claimed[]> {
    if (limit <= 0) return [];
    const fast = await this.pool.query(FAST_CLAIM_SQL, [limit, [], [], owner, leaseMs]);
    const { claimed, limited } = fast.rows[0] as { claimed: Record<string, any>[] | null; limited: number };
    const rows = claimed ?? [];
    const stamps = new Map<string, { stamp: string }>();
    for (const r of rows) stamps.set(r.job_id, { stamp: r.job_stamp });
    if (limited > 0 && rows.length < limit) {
      const slow = await this.claimLimited(owner, limit - rows.length, leaseMs);
      rows.push(...slow.rows);
      for (const [k, v] of slow.stamps) stamps.set(k, v);
    }
    if (!rows.length) return [];
    const jobs = await this.jobsFor(stamps);
    return rows
      .map((r) => ({ exec: toExecution(r), job: jobs.get(r.job_id)! }))
      .sort((a, b) => +a.exec.runAt - +b.exec.runAt);
  }

  private async claimLimited(owner: string, limit: number, leaseMs: number) {
    return inTransaction(this.pool, async (c) => {
      const blockedJobs: string[] = [];
      const blockedParents: string[] = [];
      const take: string[] = [];
      const stamps = new Map<string, { stamp: string; concurrency: Record<string, any> }>();
      // A few rounds: rows of jobs at their limit are passed over so they don't starve the others.
      for (let round = 0; round < 3 && take.length < limit; round++) {
        const cand = (await c.query(CLAIM_CANDIDATES_SQL, [limit - take.length, blockedJobs, blockedParents])).rows as {
          id: string;
          job_id: string;
          parent_id: string | null;
          trigger: string;
        }[];
        if (!cand.length) break;
        const missing = [...new Set(cand.map((r) => r.job_id))].filter((id) => !stamps.has(id));
        if (missing.length) {
          const js = await c.query(
            `SELECT id, ${JOB_STAMP} AS stamp, concurrency FROM jobs WHERE id = ANY($1::uuid[])`,
            [missing],
          );
          for (const j of js.rows) stamps.set(j.id, { stamp: j.stamp, concurrency: j.concurrency });
        }
        const allowed = await this.applyLimits(c, cand, stamps);
        take.push(...allowed.take);
        if (!allowed.blockedJobs.length && !allowed.blockedParents.length) break;
        blockedJobs.push(...allowed.blockedJobs);
        blockedParents.push(...allowed.blockedParents);
      }
      if (!take.length) return { rows: [] as Record<string, any>[], stamps };
      const res = await c.query(
        `UPDATE executions SET status = 'running', lease_owner = $2, lease_until = now() + $3 * interval '1 millisecond',
                started_at = now(), finished_at = NULL
          WHERE id = ANY($1::uuid[]) RETURNING *`,
        [take, owner, leaseMs],
      );
      return { rows: res.rows as Record<string, any>[], stamps };
    });
  }

  /** Keep rows within the job's `max` and the fan-out's parallelism (serialized by advisory locks). */
  private async applyLimits(
    c: PoolClient,
    cand: { id: string; job_id: string; parent_id: string | null; trigger: string }[],
    jobs: Map<string, { concurrency: Record<string, any> }>,
  ) {
    const limitedJobs = new Map<string, number>();
    const parents = new Map<string, number>();
    for (const r of cand) {
      const policy = concurrencyOf({ concurrency: jobs.get(r.job_id)?.concurrency ?? {} });
      if (policy.max !== null) limitedJobs.set(r.job_id, policy.max);
      if (r.parent_id && r.trigger === 'fanout') parents.set(r.parent_id, policy.fanOutParallelism);
    }
    if (!limitedJobs.size && !parents.size) return { take: cand.map((r) => r.id), blockedJobs: [], blockedParents: [] };
    // A parent's own limit (a backfill's `parallelism`) wins over the job's fanOutParallelism.
    for (const [id, n] of await parentParallelism(c, [...parents.keys()])) parents.set(id, n);
    const keys = [
      ...[...limitedJobs.keys()].map((id) => lockKey('job', id)),
      ...[...parents.keys()].map((id) => lockKey('fan', id)),
    ].sort();
    // Sorted order: two claimers never wait on each other in a cycle. Held until commit.
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k ORDER BY k`, [
      keys,
    ]);
    const running = new Map<string, number>();
    if (limitedJobs.size) {
      const r = await c.query(
        `SELECT job_id AS k, count(*)::int AS n FROM executions
          WHERE status = 'running' AND lease_owner IS NOT NULL AND job_id = ANY($1::uuid[]) GROUP BY job_id`,
        [[...limitedJobs.keys()]],
      );
      for (const row of r.rows) running.set(`job:${row.k}`, row.n);
    }
    if (parents.size) {
      const r = await c.query(
        `SELECT parent_id AS k, count(*)::int AS n FROM executions
          WHERE parent_id = ANY($1::uuid[]) AND status = 'running' AND lease_owner IS NOT NULL GROUP BY parent_id`,
        [[...parents.keys()]],
      );
      for (const row of r.rows) running.set(`fan:${row.k}`, row.n);
    }
    const take: string[] = [];
    const blockedJobs = new Set<string>();
    const blockedParents = new Set<string>();
    for (const r of cand) {
      const jobMax = limitedJobs.get(r.job_id);
      const jobN = running.get(`job:${r.job_id}`) ?? 0;
      if (jobMax !== undefined && jobN >= jobMax) {
        blockedJobs.add(r.job_id);
        continue;
      }
      const fan = r.parent_id && r.trigger === 'fanout' ? r.parent_id : null;
      const fanMax = fan ? parents.get(fan) : undefined;
      const fanN = fan ? (running.get(`fan:${fan}`) ?? 0) : 0;
      if (fan && fanMax !== undefined && fanN >= fanMax) {
        blockedParents.add(fan);
        continue;
      }
      take.push(r.id);
      running.set(`job:${r.job_id}`, jobN + 1);
      if (fan) running.set(`fan:${fan}`, fanN + 1);
    }
    return { take, blockedJobs: [...blockedJobs], blockedParents: [...blockedParents] };
  }

  /** Job definitions for claimed rows, re-read only when a job changed since it was cached (the catalogue). */
  private jobsFor(stamps: Map<string, { stamp: string }>): Promise<Map<string, Job>> {
    return this.catalogue.byStamps(stamps);
  }

  /** Extend leases; returns which rows are still ours and which have a cancel request. */
  async renew(owner: string, ids: string[], leaseMs: number): Promise<{ id: string; cancel: boolean }[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query(
      `UPDATE executions SET lease_until = now() + $3 * interval '1 millisecond'
        WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'running'
        RETURNING id, cancel_requested`,
      [ids, owner, leaseMs],
    );
    return rows.map((r) => ({ id: r.id, cancel: r.cancel_requested }));
  }

  /** Rows whose lease expired (their worker died): requeue as the next attempt, or `lost`. */
  async reap(limit = 100): Promise<Execution[]> {
    const { rows } = await this.pool.query(
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
    if (rows.some((r) => r.status === 'queued')) await this.pool.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
    return rows.map(toExecution);
  }

  /** Shutdown: give rows back to the queue (same attempt) so another worker takes them now. */
  async release(owner: string, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query(
      `UPDATE executions SET status = 'queued', lease_owner = NULL, lease_until = NULL, started_at = NULL, run_at = now()
        WHERE id = ANY($1::uuid[]) AND lease_owner = $2 AND status = 'running' RETURNING id`,
      [ids, owner],
    );
    await this.pool.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
    return rows.map((r) => r.id as string);
  }
}
