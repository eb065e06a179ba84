import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NotificationEvent } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';
import { inTransaction } from '../database/transaction.js';
import { ChannelSender } from './channel-sender.js';
import { ChannelsService } from './channels.service.js';
import { executionLink, type NotificationMessage } from './message.js';

export const MAX_SEND_ATTEMPTS = 3;
/** Delay before attempt n+1 after attempt n failed: 1 s, 5 s. */
export const retryDelayMs = (attempt: number): number => 1000 * 5 ** (attempt - 1);
/** A claimed notification not finished within this time (its replica died) is sent again by another. */
const LEASE_SECONDS = 60;
const BATCH = 10;

interface Claimed {
  id: string;
  execution_id: string;
  channel_id: string | null;
  channel_name: string;
  event: NotificationEvent;
  attempts: number;
}

/**
 * Sends pending notifications. Every replica sweeps `execution_notifications` (claim with FOR UPDATE
 * SKIP LOCKED and a lease), so a notification survives the crash of the replica that recorded it
 * (at-least-once; `webhook-id` is the notification id, stable across attempts, for receivers to dedupe).
 * Failed sends are retried with backoff, up to MAX_SEND_ATTEMPTS. A channel's rate limit is counted
 * in Postgres under an advisory lock, so it holds across replicas.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running: Promise<void> | null = null;
  private again = false;
  private closing = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly channels: ChannelsService,
    private readonly sender: ChannelSender,
  ) {}

  onApplicationBootstrap(): void {
    // Notifications are sent by the worker replicas (an API-only replica only records them).
    if (!this.config.WORKERS_ENABLED) {
      this.closing = true;
      return;
    }
    this.timer = setInterval(() => this.kick(), this.config.NOTIFICATIONS_POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Sweep now (or once more after the sweep in progress). */
  kick(): void {
    if (this.closing) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop()
      .catch((err: Error) => this.logger.error(`Notification sweep failed: ${err.message}`))
      .finally(() => (this.running = null));
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      while (!this.closing && (await this.sweepOnce()) === BATCH);
    } while (this.again && !this.closing);
  }

  /** Claim up to BATCH due notifications and send them; returns how many were claimed. */
  async sweepOnce(): Promise<number> {
    const claimed = await inTransaction(poolOf(this.dataSource), async (c) => {
      const { rows } = await c.query<{
        id: string;
        channel_id: string | null;
        counted: boolean;
        rate_limit_per_minute: number | null;
      }>(
        `SELECT n.id, n.channel_id, n.counted_at IS NOT NULL AS counted, ch.rate_limit_per_minute
           FROM execution_notifications n LEFT JOIN notification_channels ch ON ch.id = n.channel_id
          WHERE n.status = 'pending' AND n.next_attempt_at <= now() AND (n.lease_until IS NULL OR n.lease_until < now())
          ORDER BY n.next_attempt_at LIMIT ${BATCH}
          FOR UPDATE OF n SKIP LOCKED`,
      );
      if (!rows.length) return [];
      const limited: string[] = [];
      // First attempt: take a slot of the channel's per-minute budget. Channels locked in id order (no deadlock).
      for (const r of [...rows].sort((a, b) => String(a.channel_id).localeCompare(String(b.channel_id)))) {
        if (r.counted || !r.channel_id || r.rate_limit_per_minute === null) continue;
        await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('apm_notify:' || $1, 0))`, [r.channel_id]);
        const { rows: used } = await c.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM execution_notifications
            WHERE channel_id = $1 AND counted_at > clock_timestamp() - interval '1 minute'`,
          [r.channel_id],
        );
        if (used[0]!.n >= r.rate_limit_per_minute) limited.push(r.id);
        else await c.query('UPDATE execution_notifications SET counted_at = clock_timestamp() WHERE id = $1', [r.id]);
      }
      if (limited.length) {
        await c.query(
          `UPDATE execution_notifications n SET status = 'rate_limited',
                  last_error = 'Rate limit of ' || ch.rate_limit_per_minute || ' per minute reached: not sent'
             FROM notification_channels ch WHERE ch.id = n.channel_id AND n.id = ANY($1::uuid[])`,
          [limited],
        );
      }
      const send = rows.filter((r) => !limited.includes(r.id)).map((r) => r.id);
      const { rows: out } = await c.query<Claimed>(
        `UPDATE execution_notifications SET attempts = attempts + 1,
                lease_until = now() + interval '${LEASE_SECONDS} seconds'
          WHERE id = ANY($1::uuid[])
          RETURNING id, execution_id, channel_id, channel_name, event, attempts`,
        [send],
      );
      return out;
    });
    await Promise.all(claimed.map((n) => this.deliver(n)));
    return claimed.length;
  }

  private async deliver(n: Claimed): Promise<void> {
    let result: { ok: boolean; error: string | null };
    try {
      const target = n.channel_id ? await this.channels.targetById(n.channel_id) : null;
      const message = await this.message(n);
      if (!target) result = { ok: false, error: `Channel ${n.channel_name} no longer exists` };
      else if (!message) result = { ok: false, error: 'The execution no longer exists' };
      else result = await this.sender.send(target, message, n.id);
    } catch (err) {
      result = { ok: false, error: (err as Error).message };
    }
    const final = result.ok || n.attempts >= MAX_SEND_ATTEMPTS;
    if (!result.ok) {
      this.logger.warn(
        `Notification ${n.id} (${n.event}) via ${n.channel_name}, attempt ${n.attempts}/${MAX_SEND_ATTEMPTS}: ${result.error}`,
      );
    }
    await poolOf(this.dataSource).query(
      `UPDATE execution_notifications SET
          status = CASE WHEN $2 THEN 'sent' WHEN $3 THEN 'failed' ELSE 'pending' END,
          sent_at = CASE WHEN $2 THEN now() ELSE NULL END,
          last_error = $4,
          lease_until = NULL,
          next_attempt_at = CASE WHEN $3 THEN next_attempt_at ELSE now() + $5 * interval '1 millisecond' END
        WHERE id = $1 AND status = 'pending'`,
      [n.id, result.ok, final, result.ok ? null : result.error, retryDelayMs(n.attempts)],
    );
  }

  private async message(n: Claimed): Promise<NotificationMessage | null> {
    const { rows } = await poolOf(this.dataSource).query(
      `SELECT e.job_name, j.title, e.status, e.trigger, e.attempt, e.duration_ms, e.error, e.finished_at
         FROM executions e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.id = $1`,
      [n.execution_id],
    );
    const e = rows[0];
    if (!e) return null;
    return {
      event: n.event,
      executionId: n.execution_id,
      jobName: e.job_name,
      jobTitle: e.title || e.job_name,
      status: e.status,
      trigger: e.trigger,
      attempt: e.attempt,
      durationMs: e.duration_ms,
      error: e.error,
      finishedAt: e.finished_at ? new Date(e.finished_at).toISOString() : null,
      link: executionLink(this.config.PUBLIC_URL, n.execution_id),
    };
  }
}
