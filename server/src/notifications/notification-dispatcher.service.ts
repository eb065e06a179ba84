import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';
import {
  type ClaimedNotification,
  countChannelLastMinute,
  leaseNotifications,
  lockChannelBudget,
  lockDueNotifications,
  markCounted,
  markRateLimited,
  saveSendResult,
  selectMessageExecution,
} from './notifications.store.js';
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

type Claimed = ClaimedNotification;

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
      const rows = await lockDueNotifications(c, BATCH);
      if (!rows.length) return [];
      const limited: string[] = [];
      // First attempt: take a slot of the channel's per-minute budget. Channels locked in id order (no deadlock).
      for (const r of [...rows].sort((a, b) => String(a.channel_id).localeCompare(String(b.channel_id)))) {
        if (r.counted || !r.channel_id || r.rate_limit_per_minute === null) continue;
        await lockChannelBudget(c, r.channel_id);
        if ((await countChannelLastMinute(c, r.channel_id)) >= r.rate_limit_per_minute) limited.push(r.id);
        else await markCounted(c, r.id);
      }
      if (limited.length) await markRateLimited(c, limited);
      const send = rows.filter((r) => !limited.includes(r.id)).map((r) => r.id);
      return leaseNotifications(c, send, LEASE_SECONDS);
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
    await saveSendResult(
      poolOf(this.dataSource),
      n.id,
      result.ok,
      final,
      result.ok ? null : result.error,
      retryDelayMs(n.attempts),
    );
  }

  private async message(n: Claimed): Promise<NotificationMessage | null> {
    const e = await selectMessageExecution(poolOf(this.dataSource), n.execution_id);
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
