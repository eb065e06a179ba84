import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource } from 'typeorm';

export const WAKE_CHANNEL = 'apm_exec_wake';
export const CANCEL_CHANNEL = 'apm_exec_cancel';
export const EVENTS_CHANNEL = 'apm_events';

type Handler = (payload: string) => void;

/**
 * One dedicated connection per process for LISTEN (every module subscribes here with `on`);
 * reconnects (with backoff) when it drops.
 */
@Injectable()
export class PgListener implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PgListener.name);
  private readonly handlers = new Map<string, Set<Handler>>();
  private readonly reconnectHandlers = new Set<() => void>();
  /** Channels LISTENed on (the executions' own, plus any other module's `on`). */
  private readonly channels = new Set([WAKE_CHANNEL, CANCEL_CHANNEL, EVENTS_CHANNEL]);
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = 250;
  private timer: NodeJS.Timeout | null = null;
  connected = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  on(channel: string, handler: Handler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
    }
    set.add(handler);
    if (!this.channels.has(channel)) {
      this.channels.add(channel);
      // Connected already: LISTEN now (a reconnect LISTENs on every channel in the set).
      this.client?.query(`LISTEN ${pg.escapeIdentifier(channel)}`).catch((err: Error) => {
        this.logger.warn(`LISTEN ${channel} failed: ${err.message}`);
      });
    }
    return () => set.delete(handler);
  }

  /** Called after every (re)connect: notifications sent while disconnected were lost, so re-check. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
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
      const listening = [...this.channels];
      await client.query(listening.map((c) => `LISTEN ${pg.escapeIdentifier(c)}`).join('; '));
      const added = [...this.channels].filter((c) => !listening.includes(c)); // `on` while connecting
      if (added.length) await client.query(added.map((c) => `LISTEN ${pg.escapeIdentifier(c)}`).join('; '));
      this.client = client;
      this.connected = true;
      this.retryMs = 250;
      for (const h of this.reconnectHandlers) h();
    } catch (err) {
      this.logger.warn(`LISTEN connect failed: ${(err as Error).message}; retrying in ${this.retryMs} ms`);
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
