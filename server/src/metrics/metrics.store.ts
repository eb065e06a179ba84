import type { Queryable } from '../database/pg-pool.js';

// The SQL of the metrics module: one statement that reads other modules' tables (`executions`, `jobs`,
// `schedules`) on purpose, once per scrape.

export interface ClusterRow {
  active: Array<{ job: string; status: string; n: number }>;
  recent: Array<{ job: string; status: string; n: number }>;
  queue_due: number;
  queue_delayed: number;
  queue_oldest_age: number;
  schedule_lag: number;
  schedules_due: number;
}

/**
 * One round trip, every part index-driven: active rows through executions_job_active_idx, the last
 * hour through executions_created_idx, the queue through executions_claim_idx, due schedules through
 * schedules_due_idx.
 */
const CLUSTER_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('job', j.name, 'status', a.status, 'n', a.n)), '[]')
       FROM (SELECT job_id, status, count(*)::int AS n FROM executions
              WHERE status IN ('queued', 'running') GROUP BY job_id, status) a
       JOIN jobs j ON j.id = a.job_id) AS active,
    (SELECT coalesce(json_agg(json_build_object('job', r.job_name, 'status', r.status, 'n', r.n)), '[]')
       FROM (SELECT job_name, status, count(*)::int AS n FROM executions
              WHERE created_at > now() - interval '1 hour' GROUP BY job_name, status) r) AS recent,
    q.due AS queue_due, q.delayed AS queue_delayed,
    coalesce(greatest(extract(epoch FROM now() - q.oldest), 0), 0)::float8 AS queue_oldest_age,
    coalesce(greatest(extract(epoch FROM now() - s.oldest), 0), 0)::float8 AS schedule_lag,
    s.due AS schedules_due
  FROM (SELECT count(*) FILTER (WHERE run_at <= now())::int AS due,
               count(*) FILTER (WHERE run_at > now())::int AS delayed,
               min(run_at) FILTER (WHERE run_at <= now()) AS oldest
          FROM executions WHERE status = 'queued') q,
       (SELECT min(next_run_at) AS oldest, count(*)::int AS due
          FROM schedules WHERE enabled AND next_run_at <= now()) s`;

/** The cluster-wide gauges' values, read at scrape time (any replica answers the same). */
export async function selectClusterGauges(db: Queryable): Promise<ClusterRow> {
  const { rows } = await db.query<ClusterRow>(CLUSTER_SQL);
  return rows[0]!;
}
