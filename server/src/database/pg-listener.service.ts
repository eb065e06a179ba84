import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';

export type NotificationHandler = (payload: string) => void;

/** Postgres channel names are identifiers: quote them for LISTEN/UNLISTEN. */
const quoteChannel = (channel: string): string => `"${channel.replace(/"/g, '""')}"`;

/**
 * The ONE dedicated LISTEN connection of the process; reconnects (with backoff) when it drops.
 * Any module subscribes to a channel with `subscribe(channel, handler)` (returns the unsubscribe);
 * the connection LISTENs to every channel that has (or had) a subscriber, and re-LISTENs them all
 * after a reconnect, then calls the `onReconnect` handlers (notifications sent while disconnected
 * were lost, so subscribers re-check).
 */
@Injectable()
export class PgListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgListener.name);
  private readonly handlers = new Map<string, Set<NotificationHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;
  connected = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  /** Call `handler` with the payload of every NOTIFY on `channel`; returns the unsubscribe. */
  subscribe(channel: string, handler: NotificationHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      // A channel first asked for after connect: LISTEN to it now (connect() LISTENs the rest).
      const c = this.client;
      if (c) {
        c.query(`LISTEN ${quoteChannel(channel)}`).catch((err: Error) => {
          this.logger.warn(`LISTEN ${channel} failed: ${err.message}`);
          this.dropped(c);
        });
      }
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** The same as subscribe (the name the executions module has always used). */
  on(channel: string, handler: NotificationHandler): () => void {
    return this.subscribe(channel, handler);
  }

  /** Called after every (re)connect: notifications sent while disconnected were lost, so re-check. */
  onReconnect(handler: () => void): () => void {
    this.reconnectHandlers.add(handler);
    return () => this.reconnectHandlers.delete(handler);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({ connectionString: url, application_name: 'api-manager-listen' });
    client.on('notification', (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) {
        try {
          h(n.payload ?? '');
        } catch (err) {
          this.logger.error(`Notification handler failed: ${(err as Error).message}`);
        }
      }
    });
    client.on('error', (err) => {
      this.logger.warn(`LISTEN connection error: ${err.message}`);
      this.dropped(client);
    });
    client.on('end', () => this.dropped(client));
    try {
      await client.connect();
      const channels = new Set(this.handlers.keys());
      if (channels.size) await client.query([...channels].map((c) => `LISTEN ${quoteChannel(c)}`).join('; '));
      this.client = client;
      this.connected = true;
      this.retryMs = 250;
      // A channel subscribed while the LISTENs above were on their way: listen to it too.
      const late = [...this.handlers.keys()].filter((c) => !channels.has(c));
      if (late.length) await client.query(late.map((c) => `LISTEN ${quoteChannel(c)}`).join('; '));
      for (const h of this.reconnectHandlers) h();
    } catch (err) {
      this.logger.warn(`LISTEN connect failed: ${(err as Error).message}; retrying in ${this.retryMs} ms`);
      if (this.client === client) {
        this.client = null;
        this.connected = false;
      }
      client.end().catch(() => undefined);
      this.schedule();
    }
  }

  private dropped(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.connected = false;
    client.end().catch(() => undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, 5000);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = null;
    this.connected = false;
    await c?.end().catch(() => undefined);
  }
}
