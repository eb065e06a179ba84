import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { isConnectionError } from '../common/connection-errors.js';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';
import { CompletionStore } from './queue.store.js';

export interface Completion {
  id: string;
  owner: string;
  /** Requeue as the next attempt after `delayMs`, instead of finishing with `status`. */
  retry: boolean;
  delayMs: number;
  status: string;
  request: unknown;
  response: unknown;
  error: string | null;
  entry: Record<string, unknown>;
  levels: string[];
  messages: string[];
}

/** What the statement returns per written row (null when the lease was no longer ours). */
export interface Written {
  id: string;
  job_id: string;
  job_name: string;
  trigger: string;
  actor: string | null;
  parent_id: string | null;
  params: Record<string, unknown>;
  status: string;
  attempt: number;
  max_attempts: number;
  created_at: Date;
  run_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  duration_ms: number | null;
  error: string | null;
  push: Record<string, unknown> | null;
}

/** deadlock_detected, serialization_failure: the statement did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 5;

/**
 * Writes attempt results. Results arriving while a write is in flight are written together by the
 * next statement (up to 200 rows): no added latency when idle, few round trips under load.
 * Rows are written in id order (the order lease renewal locks them in); a batch chosen as a deadlock
 * victim is written again, as a dropped result would leave its rows running until the reaper runs them twice.
 * For the same reason a write that cannot reach the database is tried again (with backoff) for up to
 * LEASE_MS: the rows stay leased meanwhile (the worker keeps renewing), and a row reaped in between
 * is not written (the lease guard), so nothing is ever written twice.
 */
@Injectable()
export class CompletionWriter {
  private pending: { c: Completion; resolve: (w: Written | null) => void; reject: (e: unknown) => void }[] = [];
  private writing = false;

  private readonly logger = new Logger(CompletionWriter.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  write(c: Completion): Promise<Written | null> {
    return new Promise((resolve, reject) => {
      this.pending.push({ c, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, 200).sort((x, y) => (x.c.id < y.c.id ? -1 : x.c.id > y.c.id ? 1 : 0));
        try {
          const rows = await this.statement(
            JSON.stringify(batch.map((b) => b.c)),
            batch.map((b) => b.c.id),
          );
          const byId = new Map(rows.map((r) => [r.id, r]));
          for (const b of batch) b.resolve(byId.get(b.c.id) ?? null);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async statement(data: string, ids: string[]): Promise<Written[]> {
    const giveUpAt = Date.now() + this.config.LEASE_MS;
    let wait = 100;
    for (let tries = 1; ; tries++) {
      try {
        return await CompletionStore.write<Written>(poolOf(this.dataSource), data, ids);
      } catch (err) {
        if (RETRYABLE.has((err as { code?: string }).code ?? '') && tries < MAX_TRIES) continue;
        if (!isConnectionError(err) || Date.now() + wait > giveUpAt) throw err;
        if (tries === 1) this.logger.warn(`Writing results failed (${(err as Error).message}); trying again`);
        await sleep(wait);
        wait = Math.min(wait * 2, 2000);
      }
    }
  }
}
