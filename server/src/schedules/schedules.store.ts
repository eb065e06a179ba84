import type { EntityManager } from 'typeorm';
import { managerRows } from '../database/pg-pool.js';
import { Job } from '../jobs/job.entity.js';
import { Schedule } from './schedule.entity.js';

/**
 * The SQL of schedule definitions (`schedules`): the list page, the next runs of jobs, the caps' count,
 * the change NOTIFY, and sealing clear secrets at start. Loading, saving and deleting one definition go
 * through TypeORM's `Schedule` entity in schedules.service.ts; firing is schedule-firing.store.ts, the
 * timeline upcoming.store.ts. Reads `jobs` for the job names (the list's order) and secret params.
 */

/** The channel every replica's ticker LISTENs on (a definition changed: look at the next run again). */
export const SCHEDULES_CHANNEL = 'apm_schedules';

/** A list page's rows with their job's name, and how many schedules match (whole list, not the page). */
export interface SchedulePage {
  total: number;
  rows: { s: Schedule; jobName: string }[];
}

/**
 * Schedules ordered by job name, schedule name, id: those of `jobId` (all when null), after the keyset
 * `after` (`[jobName, name, id]` of the previous page's last row), at most `limit`.
 */
export async function schedulePage(
  m: EntityManager,
  q: { jobId: string | null; after: [string, string, string] | null; limit: number },
): Promise<SchedulePage> {
  const qb = m.createQueryBuilder(Schedule, 's').innerJoin(Job, 'j', 'j.id = s.job_id');
  if (q.jobId) qb.where('s.job_id = :id', { id: q.jobId });
  const total = await qb.getCount();
  if (q.after) {
    const [cj, cs, ci] = q.after;
    qb.andWhere('(j.name, s.name, s.id) > (:cj, :cs, :ci)', { cj, cs, ci });
  }
  qb.addSelect('j.name', 'job_name').orderBy('j.name').addOrderBy('s.name').addOrderBy('s.id').limit(q.limit);
  const { entities, raw } = await qb.getRawAndEntities<{ job_name: string }>();
  return { total, rows: entities.map((s, i) => ({ s, jobName: raw[i].job_name })) };
}

/** The earliest `next_run_at` of each job's enabled schedules (jobs without one are absent). */
export async function nextRunOfJobs(m: EntityManager, jobIds: string[]): Promise<{ job_id: string; next: Date }[]> {
  const rows = await managerRows<{ job_id: string; next: Date | string | null }>(
    m,
    `SELECT job_id, min(next_run_at) AS next FROM schedules
      WHERE job_id = ANY($1::uuid[]) AND enabled GROUP BY job_id`,
    [jobIds],
  );
  return rows.flatMap((r) => (r.next ? [{ job_id: r.job_id, next: new Date(r.next) }] : []));
}

/**
 * How many schedules exist, and how many of `jobId`, counted under a transaction-wide lock (until `m`'s
 * transaction ends) so concurrent creates cannot both pass a cap.
 */
export async function countSchedulesLocked(m: EntityManager, jobId: string): Promise<{ total: number; ofJob: number }> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('apm-schedules-count', 0))`);
  const [{ total, of_job }] = await managerRows<{ total: number; of_job: number }>(
    m,
    `SELECT count(*)::int AS total, count(*) FILTER (WHERE job_id = $1)::int AS of_job FROM schedules`,
    [jobId],
  );
  return { total, ofJob: of_job };
}

/** NOTIFY every replica's ticker that a schedule changed (delivered at commit). */
export async function notifyScheduleChanged(m: EntityManager, change: { id: string; op: string }): Promise<void> {
  await m.query('SELECT pg_notify($1, $2)', [SCHEDULES_CHANNEL, JSON.stringify(change)]);
}

/** A schedule that may hold a clear secret, with its job's secret param names. */
export interface ScheduleSecretsRow {
  id: string;
  params: Record<string, unknown>;
  secret_names: string[] | null;
}

/**
 * Lock (until `m`'s transaction ends) the schedules that can hold a secret: a `secret` key in their params,
 * or a job with secret params; with the job's secret param names.
 */
export async function lockSchedulesWithSecrets(m: EntityManager): Promise<ScheduleSecretsRow[]> {
  return managerRows<ScheduleSecretsRow>(
    m,
    `SELECT s.id, s.params,
            (SELECT array_agg(p->>'name') FROM jsonb_array_elements(j.params) p WHERE (p->>'secret')::boolean)
              AS secret_names
       FROM schedules s JOIN jobs j ON j.id = s.job_id
      WHERE s.params <> '{}'::jsonb
        AND (s.params::text LIKE '%"secret"%' OR j.params @> '[{"secret": true}]'::jsonb)
      ORDER BY s.id
        FOR UPDATE OF s`,
  );
}

export async function setScheduleParams(m: EntityManager, id: string, params: Record<string, unknown>): Promise<void> {
  await m.query('UPDATE schedules SET params = $2::jsonb WHERE id = $1', [id, JSON.stringify(params)]);
}
