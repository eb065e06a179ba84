import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Job } from '../jobs/job.entity.js';
import { FAILURE_STATUSES, sqlStatusList } from '../common/statuses.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { JobStatusDto } from './dto/execution.dto.js';
import { SUMMARY_COLS, toSummary } from './executions-query.service.js';
import { JobStatusContributors } from './job-status-contributors.js';
import { poolOf } from '../database/pg-pool.js';
import { toExecution } from './sql.js';

const FAILED = sqlStatusList(FAILURE_STATUSES);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// The three set-based statements behind every status answer, for any number of jobs ($1 = job ids).
// Exported for the plan test (server/test/job-status-plan.test.ts): each reads the job's own index.

/** Queued and running counts per job: executions_job_active_idx. */
export const STATUS_ACTIVE_SQL = `SELECT job_id, status, count(*)::int AS n FROM executions
  WHERE job_id = ANY($1::uuid[]) AND status IN ('queued','running') GROUP BY job_id, status`;

/**
 * Counts and durations of the last 7 days per job: executions_job_created_idx (job_id, created_at).
 * Runs = top-level executions (a fan-out parent once, with its final status and whole duration);
 * fan-out children are counted apart.
 */
export const STATUS_STATS_SQL = `SELECT job_id,
    count(*) FILTER (WHERE run AND status = 'succeeded' AND day)::int AS s24,
    count(*) FILTER (WHERE run AND status IN ${FAILED} AND day)::int AS f24,
    count(*) FILTER (WHERE run AND status = 'succeeded')::int AS s7,
    count(*) FILTER (WHERE run AND status IN ${FAILED})::int AS f7,
    count(*) FILTER (WHERE NOT run AND status = 'succeeded' AND day)::int AS cs24,
    count(*) FILTER (WHERE NOT run AND status IN ${FAILED} AND day)::int AS cf24,
    count(*) FILTER (WHERE NOT run AND status = 'succeeded')::int AS cs7,
    count(*) FILTER (WHERE NOT run AND status IN ${FAILED})::int AS cf7,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE run AND status = 'succeeded') AS p50,
    percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE run AND status = 'succeeded') AS p95
  FROM (SELECT job_id, status, duration_ms, trigger <> 'fanout' AS run, created_at >= now() - interval '1 day' AS day
          FROM executions WHERE job_id = ANY($1::uuid[]) AND created_at >= now() - interval '7 days') e
  GROUP BY job_id`;

/** The newest finished-or-running top-level run per job: one backward walk of executions_job_created_idx each. */
export const STATUS_LAST_SQL = `SELECT l.* FROM unnest($1::uuid[]) AS j(id)
  CROSS JOIN LATERAL (
    SELECT ${SUMMARY_COLS} FROM executions
     WHERE job_id = j.id AND status <> 'queued' AND trigger <> 'fanout'
     ORDER BY created_at DESC, id DESC LIMIT 1) l`;

const COUNTING =
  'last24h/last7d/durationMs count runs: top-level executions, a fan-out once with its parent status and ' +
  'duration; fanOutChildren counts the children apart. failed = failed, timed_out, lost or partial ' +
  '(cancelled and skipped are neither).';

/**
 * Job status (GET /jobs/:idOrName/status, and GET /jobs/-/status?names= for many at once): the same
 * code for one job or a hundred, so the two answers cannot drift apart. A fixed number of statements
 * whatever the number of jobs.
 */
@Injectable()
export class JobStatusService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobsService,
    private readonly contributors: JobStatusContributors,
  ) {}

  async one(idOrName: string): Promise<JobStatusDto> {
    const job = await this.jobs.get(idOrName);
    return (await this.statusOf([job]))[0]!;
  }

  /** Statuses in the order asked (a job asked twice, by name and id, is answered once); 404 naming every unknown one. */
  async many(idsOrNames: string[]): Promise<JobStatusDto[]> {
    const ids = idsOrNames.filter((s) => UUID.test(s));
    const [byId, byName] = await Promise.all([
      this.jobs.getMany(ids),
      this.jobs.getManyByName([...new Set(idsOrNames.map((s) => (UUID.test(s) ? s.toLowerCase() : s)))]),
    ]);
    const found = new Map<string, Job>();
    for (const j of byName) found.set(j.name, j);
    for (const j of byId) found.set(j.id, j);
    const find = (s: string) => found.get(s) ?? (UUID.test(s) ? found.get(s.toLowerCase()) : undefined);
    const missing = idsOrNames.filter((s) => !find(s));
    if (missing.length)
      throw new NotFoundException(
        `names: no such job${missing.length > 1 ? 's' : ''}: ${missing.map((m) => JSON.stringify(m)).join(', ')}`,
      );
    const jobs = new Map<string, Job>();
    for (const s of idsOrNames) {
      const j = find(s)!;
      jobs.set(j.id, j);
    }
    return this.statusOf([...jobs.values()]);
  }

  private async statusOf(jobs: Job[]): Promise<JobStatusDto[]> {
    const pool = poolOf(this.dataSource);
    const ids = jobs.map((j) => j.id);
    const [active, stats, last, extra] = await Promise.all([
      pool.query(STATUS_ACTIVE_SQL, [ids]),
      pool.query(STATUS_STATS_SQL, [ids]),
      pool.query(STATUS_LAST_SQL, [ids]),
      this.contributors.collect(jobs),
    ]);
    const round = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
    const statsOf = new Map(stats.rows.map((r) => [r.job_id as string, r]));
    const lastOf = new Map(last.rows.map((r) => [r.job_id as string, r]));
    return jobs.map((job) => {
      const count = (s: string) => active.rows.find((r) => r.job_id === job.id && r.status === s)?.n ?? 0;
      const st = statsOf.get(job.id) ?? {};
      const n = (v: unknown) => (v as number | undefined) ?? 0;
      const l = lastOf.get(job.id);
      const lastRun = l ? toSummary(toExecution(l), l.http_status) : null;
      return {
        job: job.name,
        enabled: job.enabled,
        nextRun: null,
        lastRun,
        lastStatus: lastRun?.status ?? null,
        running: count('running'),
        queued: count('queued'),
        last24h: { succeeded: n(st.s24), failed: n(st.f24) },
        last7d: { succeeded: n(st.s7), failed: n(st.f7) },
        durationMs: { p50: round(st.p50), p95: round(st.p95) },
        fanOutChildren: {
          last24h: { succeeded: n(st.cs24), failed: n(st.cf24) },
          last7d: { succeeded: n(st.cs7), failed: n(st.cf7) },
        },
        counting: COUNTING,
        ...(extra.get(job.id) as Partial<JobStatusDto>),
        // A disabled job runs nothing, whatever its schedules say.
        ...(job.enabled ? {} : { nextRun: null }),
      };
    });
  }
}
