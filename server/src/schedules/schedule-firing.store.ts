import type { DataSource, QueryRunner } from 'typeorm';
import { jobStampOf } from '../jobs/jobs.store.js';
import type { MisfirePolicy } from './schedule-clock.js';

/**
 * The SQL of firing schedules (the ticker's timer loop is in schedule-ticker.ts, the firing steps in
 * schedule-firing.service.ts). `at` is the instant `next_run_at` is compared with: `null` = the database
 * clock (`clock_timestamp()`, one clock for every replica); a test clock passes its own time.
 */

/** A due schedule, locked by `lockDue` with its job's change stamp (what the job catalogue caches by). */
export interface DueRow {
  id: string;
  job_id: string;
  name: string;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  starts_at: Date | null;
  ends_at: Date | null;
  misfire_policy: MisfirePolicy;
  misfire_cap: number;
  next_run_at: Date;
  /** Change stamp of the job (`jobStampOf`; null when the job is gone). */
  job_stamp: string | null;
  /** "Now" (ms) read while locking: the database clock, or `at`. */
  db_now: number;
}

type Queryable = Pick<DataSource, 'query'> | Pick<QueryRunner, 'query'>;

/** The earliest `next_run_at` of an enabled schedule (ms), or null. */
export async function earliestNextRun(db: Queryable): Promise<number | null> {
  const [row] = (await db.query(
    `SELECT (extract(epoch FROM min(next_run_at)) * 1000)::float8 AS t FROM schedules WHERE enabled`,
  )) as { t: number | null }[];
  return row?.t === null || row?.t === undefined ? null : Number(row.t);
}

/** How many schedules are due (counted up to `limit`). */
export async function countDue(db: Queryable, limit: number, at: Date | null): Promise<number> {
  const [{ n }] = (await db.query(
    `SELECT count(*)::int AS n
       FROM (SELECT 1 FROM schedules
              WHERE enabled AND next_run_at <= COALESCE($2::timestamptz, clock_timestamp()) LIMIT $1) d`,
    [limit, at],
  )) as { n: number }[];
  return n;
}

/** Lock up to `limit` due schedules (skipping rows another firing transaction holds), oldest first. */
export async function lockDue(qr: QueryRunner, limit: number, at: Date | null): Promise<DueRow[]> {
  return (await qr.query(
    `SELECT s.id, s.job_id, s.name, s.cron, s.interval_seconds, s.timezone, s.params, s.starts_at, s.ends_at,
            s.misfire_policy, s.misfire_cap, s.next_run_at, ${jobStampOf('j')} AS job_stamp,
            (extract(epoch FROM COALESCE($2::timestamptz, clock_timestamp())) * 1000)::float8 AS db_now
       FROM schedules s LEFT JOIN jobs j ON j.id = s.job_id
      WHERE s.enabled AND s.next_run_at <= COALESCE($2::timestamptz, clock_timestamp())
      ORDER BY s.next_run_at
      LIMIT $1
        FOR UPDATE OF s SKIP LOCKED`,
    [limit, at],
  )) as DueRow[];
}

/** Advance the fired schedules: `next_run_at` (null: ended/stopped), `last_run_at` (null: unchanged). */
export async function advance(
  qr: QueryRunner,
  ids: string[],
  nexts: (string | null)[],
  lasts: (string | null)[],
): Promise<void> {
  await qr.query(
    `UPDATE schedules AS s
        SET next_run_at = v.next, last_run_at = COALESCE(v.last, s.last_run_at)
       FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS v(id, next, last)
      WHERE s.id = v.id`,
    [ids, nexts, lasts],
  );
}

/** One schedule's enqueue in a savepoint (the schedule-by-schedule retry of a failed batch). */
export const savepoint = {
  begin: (qr: QueryRunner) => qr.query('SAVEPOINT fire_one'),
  release: (qr: QueryRunner) => qr.query('RELEASE SAVEPOINT fire_one'),
  rollback: (qr: QueryRunner) => qr.query('ROLLBACK TO SAVEPOINT fire_one'),
};

/** Readiness: enabled schedules overdue by more than `lagSeconds` (database clock). */
export async function overdue(db: Queryable, lagSeconds: number): Promise<{ n: number; oldest: Date | null }> {
  const [row] = (await db.query(
    `SELECT count(*)::int AS n, min(next_run_at) AS oldest FROM schedules
      WHERE enabled AND next_run_at < now() - make_interval(secs => $1)`,
    [lagSeconds],
  )) as { n: number; oldest: Date | null }[];
  return row;
}
