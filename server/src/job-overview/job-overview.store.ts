import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ChainEdge, DurationPoint, SuccessRate } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';

const FAILED = `('failed','timed_out','lost','partial')`;

// The job page's numbers. Runs = top-level executions (a fan-out once, with its parent's status and
// whole duration), like GET /jobs/:name/status. Both statements read the job's own rows of the last
// 30 days through executions_job_created_idx (job_id, created_at): bounded by time, set-based.

/** Succeeded/failed runs of the last 7 and 30 days ($1 = job id). */
export const OVERVIEW_RATE_SQL = `SELECT
    count(*) FILTER (WHERE status = 'succeeded' AND created_at >= now() - interval '7 days')::int AS s7,
    count(*) FILTER (WHERE status IN ${FAILED} AND created_at >= now() - interval '7 days')::int AS f7,
    count(*) FILTER (WHERE status = 'succeeded')::int AS s30,
    count(*) FILTER (WHERE status IN ${FAILED})::int AS f30
  FROM executions
 WHERE job_id = $1 AND created_at >= now() - interval '30 days' AND trigger <> 'fanout'`;

/** Finished runs per day (days cut in zone $2) of the last $3 days: count, failures, median and longest duration. */
export const OVERVIEW_SERIES_SQL = `SELECT to_char(date_trunc('day', finished_at AT TIME ZONE $2), 'YYYY-MM-DD') AS day,
    count(*)::int AS runs,
    count(*) FILTER (WHERE status IN ${FAILED})::int AS failed,
    percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
    max(duration_ms) AS mx
  FROM executions
 WHERE job_id = $1 AND created_at >= now() - make_interval(days => $3) AND trigger <> 'fanout'
   AND finished_at IS NOT NULL AND duration_ms IS NOT NULL
 GROUP BY 1 ORDER BY 1`;

/** Jobs whose chains start job $1 (jsonb containment on on_success / on_failure). */
export const OVERVIEW_UPSTREAM_SQL = `SELECT name, 'success' AS on FROM jobs
  WHERE on_success @> jsonb_build_array(jsonb_build_object('job', $1::text))
 UNION ALL
 SELECT name, 'failure' AS on FROM jobs
  WHERE on_failure @> jsonb_build_array(jsonb_build_object('job', $1::text))
 ORDER BY 1, 2 DESC`;

const rate = (days: number, succeeded: number, failed: number): SuccessRate => ({
  days,
  succeeded,
  failed,
  rate: succeeded + failed ? succeeded / (succeeded + failed) : null,
});

/** The job overview's SQL: success rates, the duration series, the jobs chaining into a job. */
@Injectable()
export class JobOverviewStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async successRates(jobId: string): Promise<{ last7d: SuccessRate; last30d: SuccessRate }> {
    const [r]: { s7: number; f7: number; s30: number; f30: number }[] = await this.dataSource.query(OVERVIEW_RATE_SQL, [
      jobId,
    ]);
    return { last7d: rate(7, r?.s7 ?? 0, r?.f7 ?? 0), last30d: rate(30, r?.s30 ?? 0, r?.f30 ?? 0) };
  }

  async durations(jobId: string, timezone: string, days: number): Promise<DurationPoint[]> {
    const rows: { day: string; runs: number; failed: number; p50: number | string | null; mx: number | null }[] =
      await this.dataSource.query(OVERVIEW_SERIES_SQL, [jobId, timezone, days]);
    const num = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v)));
    return rows.map((r) => ({ day: r.day, runs: r.runs, failed: r.failed, p50Ms: num(r.p50), maxMs: num(r.mx) }));
  }

  async upstream(jobName: string): Promise<ChainEdge[]> {
    const rows: { name: string; on: 'success' | 'failure' }[] = await this.dataSource.query(OVERVIEW_UPSTREAM_SQL, [
      jobName,
    ]);
    return rows.map((r) => ({ job: r.name, on: r.on }));
  }
}
