import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import type { Job } from '../jobs/job.entity.js';
import { concurrencyOf } from './concurrency.js';
import type { Execution } from './execution.entity.js';
import { parentParallelism } from './fanout/fanout.store.js';
import { poolOf } from '../database/pg-pool.js';
import { toExecution } from './sql.js';
import { type Candidate, type ExecutionRow, inClaimTransaction, QueueStore } from './queue.store.js';

// The claim statement lives in queue.store.ts; re-exported for the plan test.
export { CLAIM_CANDIDATES_SQL, CLAIM_PLAN } from './queue.store.js';

export interface Claimed {
  exec: Execution;
  job: Job;
}

const lockKey = (kind: string, id: string) => `apm-${kind}:${id}`;

type JobLimits = Map<string, { stamp: string; concurrency: Job['concurrency'] | null }>;

/** The queue: claim (with per-job / per-fan-out limits across replicas), renew, reap, release (SQL: queue.store.ts). */
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
    const fast = await inClaimTransaction(this.pool, (c) => QueueStore.claimFast(c, owner, limit, leaseMs));
    const rows: ExecutionRow[] = fast.rows;
    const stamps = new Map<string, { stamp: string }>();
    for (const r of fast.rows) stamps.set(r.job_id, { stamp: r.job_stamp });
    if (fast.limited > 0 && rows.length < limit) {
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

  private async claimLimited(
    owner: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ rows: ExecutionRow[]; stamps: JobLimits }> {
    return inClaimTransaction(this.pool, async (c) => {
      const blockedJobs: string[] = [];
      const blockedParents: string[] = [];
      const take: string[] = [];
      const stamps: JobLimits = new Map();
      // A few rounds: rows of jobs at their limit are passed over so they don't starve the others.
      for (let round = 0; round < 3 && take.length < limit; round++) {
        const cand = await QueueStore.candidates(c, limit - take.length, blockedJobs, blockedParents);
        if (!cand.length) break;
        const missing = [...new Set(cand.map((r) => r.job_id))].filter((id) => !stamps.has(id));
        if (missing.length) {
          for (const j of await QueueStore.jobLimits(c, missing))
            stamps.set(j.id, { stamp: j.stamp, concurrency: j.concurrency as Job['concurrency'] | null });
        }
        const allowed = await this.applyLimits(c, cand, stamps);
        take.push(...allowed.take);
        if (!allowed.blockedJobs.length && !allowed.blockedParents.length) break;
        blockedJobs.push(...allowed.blockedJobs);
        blockedParents.push(...allowed.blockedParents);
      }
      if (!take.length) return { rows: [], stamps };
      return { rows: await QueueStore.claimIds(c, take, owner, leaseMs), stamps };
    });
  }

  /** Keep rows within the job's `max` and the fan-out's parallelism (serialized by advisory locks). */
  private async applyLimits(c: PoolClient, cand: Candidate[], jobs: JobLimits) {
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
    await QueueStore.lockKeys(c, keys);
    const running = new Map<string, number>();
    if (limitedJobs.size)
      for (const row of await QueueStore.runningPerJob(c, [...limitedJobs.keys()])) running.set(`job:${row.k}`, row.n);
    if (parents.size)
      for (const row of await QueueStore.runningPerParent(c, [...parents.keys()])) running.set(`fan:${row.k}`, row.n);
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
    return QueueStore.renew(this.pool, owner, ids, leaseMs);
  }

  /** Rows whose lease expired (their worker died): requeue as the next attempt, or `lost`. */
  async reap(limit = 100): Promise<Execution[]> {
    const rows = await QueueStore.reap(this.pool, limit);
    if (rows.some((r) => r.status === 'queued')) await QueueStore.wake(this.pool);
    return rows.map(toExecution);
  }

  /** Shutdown: give rows back to the queue (same attempt) so another worker takes them now. */
  async release(owner: string, ids: string[]): Promise<string[]> {
    if (!ids.length) return [];
    const released = await QueueStore.release(this.pool, owner, ids);
    await QueueStore.wake(this.pool);
    return released;
  }
}
