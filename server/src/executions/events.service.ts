import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject, type Observable } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { PgListener } from '../database/pg-listener.service.js';
import { EVENTS_CHANNEL } from './channels.js';
import { poolOf } from '../database/pg-pool.js';
import { notify, notifyEach } from './executions.store.js';

export interface AppEvent {
  type: string;
  data: unknown;
}

const MAX_PAYLOAD = 7500;

/**
 * Cross-replica events (executions, schedules, deliveries): published through a Postgres NOTIFY
 * channel (small payloads, batched for a few ms), delivered to every replica's SSE clients.
 */
@Injectable()
export class EventsService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EventsService.name);
  private readonly subject = new Subject<AppEvent>();
  /** Emits once when the app starts closing: SSE streams end so the HTTP server can close. */
  readonly closing = new Subject<void>();
  private pending: string[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly listener: PgListener,
  ) {}

  onModuleInit(): void {
    this.listener.on(EVENTS_CHANNEL, (payload) => {
      try {
        const batch = JSON.parse(payload) as [string, unknown][];
        for (const [type, data] of batch) this.subject.next({ type, data });
      } catch {
        this.logger.warn('Ignoring a malformed event notification');
      }
    });
  }

  /** Every event from every replica. */
  get stream(): Observable<AppEvent> {
    return this.subject.asObservable();
  }

  /**
   * Publish an event to all replicas. With `manager` it is sent inside that transaction (delivered
   * at commit, dropped on rollback); otherwise batched and sent within a few milliseconds.
   */
  async publish(type: string, data: unknown, manager?: EntityManager): Promise<void> {
    const item = JSON.stringify([type, data]);
    if (item.length > MAX_PAYLOAD) {
      this.logger.warn(`Event ${type} too large (${item.length} bytes), not published`);
      return;
    }
    if (manager) {
      await notify(manager, EVENTS_CHANNEL, `[${item}]`);
      return;
    }
    this.pending.push(item);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }, 5);
  }

  /**
   * Events of one type as NOTIFY payloads for EVENTS_CHANNEL, packed as `publish` batches them (JSON
   * arrays of at most MAX_PAYLOAD bytes), for a caller that sends them in its own transaction.
   */
  payloads(type: string, datas: unknown[]): string[] {
    const items: string[] = [];
    for (const data of datas) {
      const item = JSON.stringify([type, data]);
      if (item.length > MAX_PAYLOAD) this.logger.warn(`Event ${type} too large (${item.length} bytes), not published`);
      else items.push(item);
    }
    return this.pack(items);
  }

  private async flush(): Promise<void> {
    const items = this.pending;
    this.pending = [];
    const chunks = this.pack(items);
    if (!chunks.length) return;
    try {
      await notifyEach(poolOf(this.dataSource), EVENTS_CHANNEL, chunks);
    } catch (err) {
      this.logger.warn(`Publishing events failed: ${(err as Error).message}`);
    }
  }

  private pack(items: string[]): string[] {
    const chunks: string[] = [];
    let cur: string[] = [];
    let size = 2;
    for (const it of items) {
      if (size + it.length + 1 > MAX_PAYLOAD && cur.length) {
        chunks.push(`[${cur.join(',')}]`);
        cur = [];
        size = 2;
      }
      cur.push(it);
      size += it.length + 1;
    }
    if (cur.length) chunks.push(`[${cur.join(',')}]`);
    return chunks;
  }

  onModuleDestroy(): void {
    this.closing.next();
    this.closing.complete();
  }

  /** Send whatever is batched now (the worker calls this last on shutdown). */
  async flushNow(): Promise<void> {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
      this.flushing = this.flushing.then(() => this.flush());
    }
    await this.flushing;
  }
}
