import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Subscription } from 'rxjs';
import type { DataSource } from 'typeorm';
import { type AppEvent, EventsService } from './events.service.js';
import { ExecutionEventsStore, type LogRow } from './execution-events.store.js';
import { poolOf } from '../database/pg-pool.js';

/** What a replica's writers publish for new log lines (small: the text is read from the table). */
export interface LogNotice {
  /** The execution. */
  id: string;
  jobName: string;
  /** How many lines (informative). */
  lines?: number;
  /** The ids written: `from`..`to` inclusive; or everything after `after` (exclusive). */
  from?: string;
  to?: string;
  after?: string;
  parentId?: string | null;
}

/** A line as sent in a `log` event. */
export type LiveLine = Omit<LogRow, 'executionId'>;

/** The `log` event's data on the stream: the lines themselves (masked when written). */
export interface LogEventData {
  id: string;
  jobName: string;
  lines: number;
  logs: LiveLine[];
}

/** Largest write buffer a client may have before it is dropped (it resumes with Last-Event-ID). */
export const CLIENT_BUFFER_MAX = 512 * 1024;
/** Events held for a client while its resume replay runs; more and it is dropped (and resumes again). */
export const CLIENT_QUEUE_MAX = 2000;
/** Events waiting in a replica's hub (log reads in flight); more and every client is dropped to resume. */
const HUB_QUEUE_MAX = 10_000;
const FETCH_LIMIT = 1000;
const CURSORS_MAX = 10_000;

export interface HubListener {
  deliver(e: AppEvent): void;
  /** The hub fell behind and dropped events: the client must resume from its cursor. */
  overflow(): void;
}

/**
 * One per replica: turns the cross-replica events into what SSE clients get, in order. A `log` notice is
 * resolved into its lines (one read per notice for all clients, only while someone listens); other events
 * pass through in the order they came.
 */
@Injectable()
export class LiveStreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LiveStreamHub.name);
  private readonly listeners = new Set<HubListener>();
  /** Per execution: the last log id sent, so an open-ended notice does not send lines twice. */
  private readonly cursors = new Map<string, bigint>();
  private queue: AppEvent[] = [];
  private running = false;
  private sub?: Subscription;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
  ) {}

  onModuleInit(): void {
    this.sub = this.events.stream.subscribe((e) => this.accept(e));
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
  }

  add(l: HubListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get size(): number {
    return this.listeners.size;
  }

  private accept(e: AppEvent): void {
    if (!this.listeners.size) {
      if (e.type === 'log') this.noteCursor(e.data as LogNotice);
      return;
    }
    if (this.queue.length >= HUB_QUEUE_MAX) {
      this.queue = [];
      for (const l of this.listeners) l.overflow();
      return;
    }
    this.queue.push(e);
    if (!this.running) void this.drain();
  }

  private noteCursor(n: LogNotice): void {
    if (n.to) this.setCursor(n.id, BigInt(n.to));
  }

  private setCursor(id: string, v: bigint): void {
    const cur = this.cursors.get(id);
    if (cur !== undefined && cur >= v) return;
    this.cursors.delete(id);
    this.cursors.set(id, v);
    if (this.cursors.size > CURSORS_MAX) {
      const oldest = this.cursors.keys().next().value;
      if (oldest !== undefined) this.cursors.delete(oldest);
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length) {
        const e = this.queue.shift()!;
        if (e.type === 'log') {
          const data = await this.resolve(e.data as LogNotice).catch((err: Error) => {
            this.logger.warn(`Reading log lines failed: ${err.message}`);
            return null;
          });
          if (data) this.emit({ type: 'log', data });
        } else this.emit(e);
      }
    } finally {
      this.running = false;
    }
  }

  private emit(e: AppEvent): void {
    for (const l of this.listeners) l.deliver(e);
  }

  private async resolve(n: LogNotice): Promise<LogEventData | null> {
    if (typeof n.id !== 'string') return null;
    const lower = [
      n.from ? BigInt(n.from) - 1n : null,
      n.after ? BigInt(n.after) : null,
      this.cursors.get(n.id) ?? null,
    ]
      .filter((x): x is bigint => x !== null)
      .reduce((a, b) => (b > a ? b : a), 0n);
    const upper = n.to ? BigInt(n.to) : null;
    if (upper !== null && upper <= lower) return null;
    const rows = await ExecutionEventsStore.logsOf(poolOf(this.dataSource), n.id, lower.toString(), FETCH_LIMIT);
    const logs = rows.filter((r) => upper === null || BigInt(r.id) <= upper).map(({ executionId: _e, ...l }) => l);
    if (!logs.length) return null;
    this.setCursor(n.id, BigInt(logs[logs.length - 1].id));
    return { id: n.id, jobName: n.jobName, lines: logs.length, logs };
  }
}
