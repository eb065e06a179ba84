import type { NotificationEvent, NotificationStatus } from '@api-manager/contracts';
import type { PoolClient } from 'pg';
import type { Repository } from 'typeorm';
import { NOTIFIED_STATUSES, sqlStatusList } from '../common/statuses.js';
import type { Queryable } from '../database/pg-pool.js';
import type { NotificationChannel } from './notification-channel.entity.js';

// The SQL of the notifications module: `execution_notifications` and `notification_channels`
// (channel CRUD goes through TypeORM's repository in channels.service.ts; its keyset list is here). The statements that read
// `executions` and `jobs` are marked: they read another module's tables (see docs/architecture.md).

export interface NotificationRule {
  channel: string;
  on: NotificationEvent[];
}

export interface ClaimedNotification {
  id: string;
  execution_id: string;
  channel_id: string | null;
  channel_name: string;
  event: NotificationEvent;
  attempts: number;
}

/** The notifications recorded for one execution (GET /executions/:id). */
export async function selectExecutionNotifications(db: Queryable, executionId: string) {
  const { rows } = await db.query<{
    id: string;
    channel_name: string;
    event: NotificationEvent;
    status: NotificationStatus;
    attempts: number;
    last_error: string | null;
    created_at: Date;
    sent_at: Date | null;
  }>(
    `SELECT id, channel_name, event, status, attempts, last_error, created_at, sent_at
       FROM execution_notifications WHERE execution_id = $1 ORDER BY created_at, channel_name`,
    [executionId],
  );
  return rows;
}

/** Reads executions + jobs: recently finished runs of notifying jobs with no notification recorded. */
export async function selectUnrecordedFinishedExecutions(db: Queryable): Promise<{ id: string }[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT e.id FROM executions e JOIN jobs j ON j.id = e.job_id
        WHERE j.notifications <> '[]'::jsonb
          AND e.created_at > now() - interval '1 hour'
          AND e.finished_at BETWEEN now() - interval '10 minutes' AND now() - interval '2 seconds'
          AND e.trigger <> 'fanout' AND e.status IN ${sqlStatusList(NOTIFIED_STATUSES)}
          AND NOT EXISTS (SELECT 1 FROM execution_notifications n WHERE n.execution_id = e.id)
        ORDER BY e.finished_at LIMIT 200`,
  );
  return rows;
}

/** Reads executions + jobs: an execution with its job's notification rules (none when the job has none). */
export async function selectExecutionWithRules(db: Queryable, executionId: string) {
  const { rows } = await db.query<{
    job_id: string;
    trigger: string;
    status: string;
    created_at: Date;
    notifications: NotificationRule[];
  }>(
    `SELECT e.job_id, e.trigger, e.status, e.created_at, j.notifications
         FROM executions e JOIN jobs j ON j.id = e.job_id
        WHERE e.id = $1 AND j.notifications <> '[]'::jsonb`,
    [executionId],
  );
  return rows[0];
}

/** Reads executions: the status of the job's previous notified run (for `recovery`). */
export async function selectPreviousNotifiedStatus(
  db: Queryable,
  jobId: string,
  createdAt: Date,
): Promise<{ status: string } | undefined> {
  const prev = await db.query<{ status: string }>(
    `SELECT status FROM executions
          WHERE job_id = $1 AND created_at < $2 AND trigger <> 'fanout'
            AND status IN ${sqlStatusList(NOTIFIED_STATUSES)}
          ORDER BY created_at DESC, id DESC LIMIT 1`,
    [jobId, createdAt],
  );
  return prev.rows[0];
}

/** One pending notification per wanted channel (a channel that does not exist: failed; disabled: skipped). */
export async function insertExecutionNotifications(
  db: Queryable,
  executionId: string,
  wanted: { channel: string; event: NotificationEvent }[],
): Promise<{ status: string }[]> {
  const inserted = await db.query<{ status: string }>(
    `INSERT INTO execution_notifications (execution_id, channel_id, channel_name, event, status, last_error)
       SELECT $1, c.id, w.channel, w.event,
              CASE WHEN c.id IS NULL THEN 'failed' ELSE 'pending' END,
              CASE WHEN c.id IS NULL THEN 'No notification channel named ' || w.channel END
         FROM jsonb_to_recordset($2::jsonb) AS w(channel text, event text)
         LEFT JOIN notification_channels c ON c.name = w.channel
        WHERE c.id IS NULL OR c.enabled
       ON CONFLICT (execution_id, channel_name) DO NOTHING
       RETURNING status`,
    [executionId, JSON.stringify(wanted)],
  );
  return inserted.rows;
}

/** Due pending notifications, locked (in the caller's transaction). */
export async function lockDueNotifications(c: PoolClient, batch: number) {
  const { rows } = await c.query<{
    id: string;
    channel_id: string | null;
    counted: boolean;
    rate_limit_per_minute: number | null;
  }>(
    `SELECT n.id, n.channel_id, n.counted_at IS NOT NULL AS counted, ch.rate_limit_per_minute
           FROM execution_notifications n LEFT JOIN notification_channels ch ON ch.id = n.channel_id
          WHERE n.status = 'pending' AND n.next_attempt_at <= now() AND (n.lease_until IS NULL OR n.lease_until < now())
          ORDER BY n.next_attempt_at LIMIT ${batch}
          FOR UPDATE OF n SKIP LOCKED`,
  );
  return rows;
}

/** Serialize the rate-limit count of one channel (until the transaction ends). */
export async function lockChannelBudget(c: PoolClient, channelId: string): Promise<void> {
  await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('apm_notify:' || $1, 0))`, [channelId]);
}

/** Notifications of a channel counted against its budget in the last minute. */
export async function countChannelLastMinute(c: PoolClient, channelId: string): Promise<number> {
  const { rows: used } = await c.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM execution_notifications
            WHERE channel_id = $1 AND counted_at > clock_timestamp() - interval '1 minute'`,
    [channelId],
  );
  return used[0]!.n;
}

export async function markCounted(c: PoolClient, id: string): Promise<void> {
  await c.query('UPDATE execution_notifications SET counted_at = clock_timestamp() WHERE id = $1', [id]);
}

export async function markRateLimited(c: PoolClient, ids: string[]): Promise<void> {
  await c.query(
    `UPDATE execution_notifications n SET status = 'rate_limited',
                  last_error = 'Rate limit of ' || ch.rate_limit_per_minute || ' per minute reached: not sent'
             FROM notification_channels ch WHERE ch.id = n.channel_id AND n.id = ANY($1::uuid[])`,
    [ids],
  );
}

/** Take a lease on these notifications and count the attempt. */
export async function leaseNotifications(
  c: PoolClient,
  ids: string[],
  leaseSeconds: number,
): Promise<ClaimedNotification[]> {
  const { rows: out } = await c.query<ClaimedNotification>(
    `UPDATE execution_notifications SET attempts = attempts + 1,
                lease_until = now() + interval '${leaseSeconds} seconds'
          WHERE id = ANY($1::uuid[])
          RETURNING id, execution_id, channel_id, channel_name, event, attempts`,
    [ids],
  );
  return out;
}

/** The result of one send: sent, failed for good, or pending again after `retryMs`. */
export async function saveSendResult(
  db: Queryable,
  id: string,
  ok: boolean,
  final: boolean,
  error: string | null,
  retryMs: number,
): Promise<void> {
  await db.query(
    `UPDATE execution_notifications SET
          status = CASE WHEN $2 THEN 'sent' WHEN $3 THEN 'failed' ELSE 'pending' END,
          sent_at = CASE WHEN $2 THEN now() ELSE NULL END,
          last_error = $4,
          lease_until = NULL,
          next_attempt_at = CASE WHEN $3 THEN next_attempt_at ELSE now() + $5 * interval '1 millisecond' END
        WHERE id = $1 AND status = 'pending'`,
    [id, ok, final, error, retryMs],
  );
}

/** Reads executions + jobs: what a notification message says about its execution. */
export async function selectMessageExecution(db: Queryable, executionId: string) {
  const { rows } = await db.query<{
    job_name: string;
    title: string | null;
    status: string;
    trigger: string;
    attempt: number;
    duration_ms: number | null;
    error: string | null;
    finished_at: Date | null;
  }>(
    `SELECT e.job_name, j.title, e.status, e.trigger, e.attempt, e.duration_ms, e.error, e.finished_at
         FROM executions e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.id = $1`,
    [executionId],
  );
  return rows[0];
}

/** Channels by name (unique), keyset: up to `limit` after the name `after` (null: from the first). */
export function selectChannelsPage(
  repo: Repository<NotificationChannel>,
  after: string | null,
  limit: number,
): Promise<NotificationChannel[]> {
  const qb = repo.createQueryBuilder('c');
  if (after !== null) qb.where('c.name > :after', { after });
  return qb.orderBy('c.name').limit(limit).getMany();
}
