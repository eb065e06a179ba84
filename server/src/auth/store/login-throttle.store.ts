import type { EntityManager } from 'typeorm';
import { managerRows } from '../../database/pg-pool.js';

// The SQL of `login_throttle` (the auth module's data access): one row per key, counted by atomic upserts.

/**
 * Count one attempt in `key`'s fixed window of `windowSeconds` (a passed window starts again at 1):
 * the attempts in the window and the seconds until it resets.
 */
export async function countWindowAttempt(
  m: EntityManager,
  key: string,
  windowSeconds: number,
): Promise<{ attempts: number; retry_after: number } | undefined> {
  const rows = await managerRows<{ attempts: number; retry_after: number }>(
    m,
    `INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES ($1, now(), 1)
     ON CONFLICT (key) DO UPDATE SET
       attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END,
       window_start = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN now() ELSE t.window_start END
     RETURNING attempts,
       GREATEST(1, ceil(extract(epoch FROM (window_start + make_interval(secs => $2) - now())))::int) AS retry_after`,
    [key, windowSeconds],
  );
  return rows[0];
}

// window_start is the last attempt; after `free` failures the next one may come after 2^(failures - free)
// seconds (capped at the window).
const DELAY = `LEAST(power(2, t.attempts - $3)::float8, $2::float8)`;

/** Count one attempt of `key` unless it must still wait (a waiting attempt changes nothing): true when counted. */
export async function countDelayedAttempt(
  m: EntityManager,
  key: string,
  windowSeconds: number,
  free: number,
): Promise<boolean> {
  const counted = await managerRows(
    m,
    `INSERT INTO login_throttle AS t (key, window_start, attempts) VALUES ($1, now(), 1)
     ON CONFLICT (key) DO UPDATE SET
       attempts = CASE WHEN t.window_start <= now() - make_interval(secs => $2) THEN 1 ELSE t.attempts + 1 END,
       window_start = now()
     WHERE t.attempts < $3 OR t.window_start + make_interval(secs => ${DELAY}) <= now()
     RETURNING attempts`,
    [key, windowSeconds, free],
  );
  return counted.length > 0;
}

/** Seconds until `key`'s next attempt may be counted (undefined when it has no row). */
export async function delayedAttemptWait(
  m: EntityManager,
  key: string,
  windowSeconds: number,
  free: number,
): Promise<number | undefined> {
  const [wait] = await managerRows<{ s: number }>(
    m,
    `SELECT GREATEST(1, ceil(extract(epoch FROM (t.window_start + make_interval(secs => ${DELAY}) - now())))::int) AS s
       FROM login_throttle t WHERE key = $1`,
    [key, windowSeconds, free],
  );
  return wait?.s;
}

/** Give one attempt back to `key`. */
export async function giveAttemptBack(m: EntityManager, key: string): Promise<void> {
  await m.query(`UPDATE login_throttle SET attempts = GREATEST(attempts - 1, 0) WHERE key = $1`, [key]);
}

export async function deleteThrottleKey(m: EntityManager, key: string): Promise<void> {
  await m.query(`DELETE FROM login_throttle WHERE key = $1`, [key]);
}

/** Keys whose window started more than `windowSeconds` ago. */
export async function deleteOldThrottleKeys(m: EntityManager, windowSeconds: number): Promise<void> {
  await m.query(`DELETE FROM login_throttle WHERE window_start < now() - make_interval(secs => $1)`, [windowSeconds]);
}
