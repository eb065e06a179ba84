import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config.js';
import { ReadinessRegistry } from '../health/readiness.registry.js';
import type { Execution } from './execution.entity.js';
import { EventsService } from './events.service.js';
import { FinalizerService } from './finalizer.service.js';
import { PgListener } from '../database/pg-listener.service.js';
import { CANCEL_CHANNEL, WAKE_CHANNEL } from './channels.js';
import { QueueService, type Claimed } from './queue.service.js';
import { RunnerService } from './runner.service.js';
import { yieldToEventLoop } from '../common/yield.js';

interface Running {
  exec: Execution;
  abort: AbortController;
  abandoned: boolean;
  done: Promise<void>;
}

/**
 * The worker loop of one process: claims due executions (woken by NOTIFY, polling as a fallback),
 * runs up to WORKER_CONCURRENCY at once, renews their leases, reaps expired leases, drains on shutdown.
 */
@Injectable()
export class WorkerService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerService.name);
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Running>();
  private enabled = false;
  private stopping = false;
  private claiming = false;
  /** The claim loop in flight (shutdown waits for it: rows it claims must not start or stay leased). */
  private claimed: Promise<void> = Promise.resolve();
  private again = false;
  private timers: NodeJS.Timeout[] = [];
  private dueTimer: NodeJS.Timeout | null = null;
  private dueAt = Infinity;
  private lastTick = Date.now();
  private lastError: string | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly queue: QueueService,
    private readonly runner: RunnerService,
    private readonly finalizer: FinalizerService,
    private readonly listener: PgListener,
    private readonly events: EventsService,
    private readonly readiness: ReadinessRegistry,
    private readonly health: HealthIndicatorService,
  ) {}

  onApplicationBootstrap(): void {
    this.enabled = this.config.WORKERS_ENABLED && this.config.WORKER_CONCURRENCY > 0;
    this.readiness.register('workers', () => this.readinessCheck());
    if (!this.enabled) return;
    const { LEASE_MS, WORKER_POLL_MS } = this.config;
    this.listener.on(WAKE_CHANNEL, () => this.wake());
    this.listener.on(CANCEL_CHANNEL, (id) => this.running.get(id)?.abort.abort());
    this.listener.onReconnect(() => this.wake());
    this.every(WORKER_POLL_MS, () => {
      this.lastTick = Date.now();
      this.wake();
    });
    this.every(Math.max(250, Math.floor(LEASE_MS / 3)), () => void this.renew());
    this.every(Math.max(500, Math.floor(LEASE_MS / 2)), () => void this.reap());
    void this.reap();
    this.wake();
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private readinessCheck() {
    const indicator = this.health.check('workers');
    if (!this.enabled) return indicator.up({ enabled: false });
    const stale = Date.now() - this.lastTick > Math.max(10_000, this.config.WORKER_POLL_MS * 5);
    const info = {
      running: this.running.size,
      concurrency: this.config.WORKER_CONCURRENCY,
      listening: this.listener.connected,
    };
    if (this.stopping) return indicator.down({ ...info, reason: 'shutting down' });
    if (stale) return indicator.down({ ...info, reason: 'worker loop stalled', lastError: this.lastError });
    return indicator.up(info);
  }

  /** Look for work now (coalesced: at most one claim in flight, re-run once if asked meanwhile). */
  wake(): void {
    if (!this.enabled || this.stopping) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claimed = this.claimLoop();
  }

  private async claimLoop(): Promise<void> {
    this.claiming = true;
    try {
      do {
        this.again = false;
        const free = this.config.WORKER_CONCURRENCY - this.running.size;
        if (free <= 0 || this.stopping) break;
        const claimed = await this.queue.claim(this.id, free, this.config.LEASE_MS);
        this.lastTick = Date.now();
        if (this.stopping) {
          // SIGTERM arrived while claiming: give the rows back untouched (nothing was sent yet).
          if (claimed.length)
            await this.queue.release(
              this.id,
              claimed.map((c) => c.exec.id),
            );
          break;
        }
        // One execution per event-loop turn: each start renders its request synchronously, and a claim of
        // WORKER_CONCURRENCY rows started in one turn kept health probes and API calls waiting behind them.
        // (All are in `running` first, so lease renewal covers the ones still waiting for their turn.)
        const entries = claimed.map((c) => this.register(c));
        for (const [i, c] of claimed.entries()) {
          if (i > 0) await yieldToEventLoop();
          if (this.stopping) {
            // SIGTERM between two starts: the ones not started yet go back untouched, like above.
            const rest = claimed.slice(i).map((x) => x.exec.id);
            for (const id of rest) this.running.delete(id);
            await this.queue.release(this.id, rest);
            break;
          }
          this.start(c, entries[i]!);
        }
        if (claimed.length === free) this.again = true;
      } while (this.again && !this.stopping);
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
      if (!this.stopping) this.logger.warn(`Claim failed: ${this.lastError}`);
    } finally {
      this.claiming = false;
    }
  }

  private register({ exec }: Claimed): Running {
    const entry: Running = { exec, abort: new AbortController(), abandoned: false, done: Promise.resolve() };
    this.running.set(exec.id, entry);
    return entry;
  }

  private start({ exec, job }: Claimed, entry: Running): void {
    entry.done = this.runner
      .run(exec, job, {
        owner: this.id,
        signal: entry.abort.signal,
        abandoned: () => entry.abandoned,
        requeued: (delayMs) => this.wakeAt(Date.now() + delayMs),
      })
      .catch((err: Error) => this.logger.error(`Execution ${exec.id} crashed the runner: ${err.message}`))
      .finally(() => {
        this.running.delete(exec.id);
        this.wake();
      });
  }

  /** A retry becomes due at `at`: wake then rather than at the next poll. */
  private wakeAt(at: number): void {
    if (at >= this.dueAt) return;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = setTimeout(
      () => {
        this.dueTimer = null;
        this.dueAt = Infinity;
        this.wake();
      },
      Math.max(0, at - Date.now()) + 5,
    );
    this.dueTimer.unref();
  }

  private async renew(): Promise<void> {
    const ids = [...this.running.keys()];
    if (!ids.length) return;
    try {
      const still = await this.queue.renew(this.id, ids, this.config.LEASE_MS);
      const ours = new Set(still.map((r) => r.id));
      for (const r of still) if (r.cancel) this.running.get(r.id)?.abort.abort();
      for (const id of ids) {
        const entry = this.running.get(id);
        if (entry && !ours.has(id)) {
          // Reaped elsewhere (we were too slow to renew): someone else owns it now; stop and write nothing.
          entry.abandoned = true;
          entry.abort.abort();
        }
      }
    } catch (err) {
      this.logger.warn(`Lease renewal failed: ${(err as Error).message}`);
    }
  }

  private async reap(): Promise<void> {
    try {
      const rows = await this.queue.reap();
      for (const exec of rows) {
        this.logger.warn(
          `Execution ${exec.id} lost its worker: ${exec.status === 'queued' ? `attempt ${exec.attempt} queued` : 'lost'}`,
        );
        void this.events.publish('execution', {
          id: exec.id,
          status: exec.status,
          jobName: exec.jobName,
          parentId: exec.parentId,
        });
        if (exec.status === 'lost') await this.finalizer.afterFinal(exec, null, exec.params);
      }
    } catch (err) {
      if (!this.stopping) this.logger.warn(`Reaper failed: ${(err as Error).message}`);
    }
  }

  /** SIGTERM: stop claiming, let running executions finish within the grace period, release the rest. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    if (this.dueTimer) clearTimeout(this.dueTimer);
    // A claim in flight gives its rows back itself (it sees `stopping`); wait for it, within the grace period.
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([this.claimed, new Promise((r) => (waited = setTimeout(r, this.config.SHUTDOWN_GRACE_MS)))]);
    clearTimeout(waited);
    if (this.enabled && this.running.size) {
      this.logger.log(`Draining ${this.running.size} running execution(s) (up to ${this.config.SHUTDOWN_GRACE_MS} ms)`);
      const all = Promise.all([...this.running.values()].map((r) => r.done));
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise((r) => (timer = setTimeout(r, this.config.SHUTDOWN_GRACE_MS)))]);
      clearTimeout(timer);
      const left = [...this.running.values()];
      if (left.length) {
        for (const r of left) r.abandoned = true;
        const released = await this.queue
          .release(
            this.id,
            left.map((r) => r.exec.id),
          )
          .catch((err: Error) => {
            this.logger.error(`Releasing executions failed: ${err.message}`);
            return [] as string[];
          });
        this.logger.warn(`Released ${released.length} execution(s) back to the queue`);
        for (const r of left) r.abort.abort();
        await Promise.race([Promise.all(left.map((r) => r.done)), new Promise((r) => setTimeout(r, 2000))]);
      }
    }
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.events.flushNow();
  }

  onApplicationShutdown(): void {
    for (const t of this.timers) clearInterval(t);
  }

  /** Executions running in this process (tests, metrics). */
  get active(): number {
    return this.running.size;
  }
}
