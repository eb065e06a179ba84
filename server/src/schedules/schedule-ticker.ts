import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Clock, type ClockTimer } from '../common/clock.js';
import { AppConfig } from '../config/app-config.js';
import { PgListener } from '../database/pg-listener.service.js';
import { ReadinessRegistry } from '../health/readiness.registry.js';
import { ScheduleFiring } from './schedule-firing.service.js';
import { earliestNextRun, overdue } from './schedule-firing.store.js';
import { SCHEDULES_CHANNEL } from './schedules.store.js';
/** Readiness: the ticker must have completed a tick within this long… */
const ALIVE_MS = 5000;
/** …and no enabled schedule may be overdue by more than this. */
const LAG_MS = 30_000;
/** Retry delay when due rows exist but are locked by another replica's firing transaction. */
const BUSY_RETRY_MS = 10;

/**
 * The timer loop that fires due schedules. Every replica runs one; there is no leader. A timer (on
 * the injected `Clock`) is aimed at the earliest `next_run_at` (plus a safety poll); each tick fires
 * what is due through `ScheduleFiring` (exactly once across replicas: see schedule-firing.service.ts).
 * Changes arrive by NOTIFY on the process' shared LISTEN connection (`PgListener`).
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleTicker.name);
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  /** Wakes (a NOTIFY, the listener's first connect) before the application has started are ignored. */
  private booted = false;
  private timer: ClockTimer | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly startedAt: number;
  lastTickAt = 0;
  /** Completed ticks (for tests: a tick that began after a change has seen it). */
  ticks = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly firing: ScheduleFiring,
    private readonly clock: Clock,
    private readonly listener: PgListener,
    private readonly readiness: ReadinessRegistry,
    private readonly health: HealthIndicatorService,
  ) {
    this.startedAt = clock.now();
    if (config.SCHEDULER_ENABLED) {
      // Subscribed before the listener connects, so its first LISTEN includes the channel.
      this.unsubscribe = listener.on(SCHEDULES_CHANNEL, () => this.wake());
      // Changes made while the connection was down were not notified.
      listener.onReconnect(() => this.wake());
    }
  }

  /** No tick running or pending (for tests: a test clock then has this ticker's next timer). */
  get idle(): boolean {
    return this.running === null;
  }

  /** Slots fired by this process (for logs / tests). */
  get fired(): number {
    return this.firing.fired;
  }

  /** Slots handed to the batched path (`ExecutionsService.enqueueMany`) by this process (for tests). */
  get batched(): number {
    return this.firing.batched;
  }

  onApplicationBootstrap(): void {
    this.readiness.register('scheduler', () => this.check());
    if (!this.config.SCHEDULER_ENABLED) {
      this.logger.log('Schedule ticker disabled (SCHEDULER_ENABLED=false)');
      return;
    }
    this.booted = true;
    this.wake();
  }

  /** Tick as soon as possible (after a change, a NOTIFY, or when the timer fires). */
  wake(): void {
    if (this.stopped || !this.booted) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.tick().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async tick(): Promise<void> {
    this.clearTimer();
    let nextAt: number | null = null;
    let ok = false;
    try {
      do {
        this.again = false;
        await this.firing.fireDue({
          at: this.clock.databaseNow(),
          stopped: () => this.stopped,
          alive: () => (this.lastTickAt = this.clock.now()),
        });
        nextAt = await earliestNextRun(this.dataSource);
      } while (this.again && !this.stopped);
      this.lastTickAt = this.clock.now();
      this.ticks++;
      ok = true;
    } catch (err) {
      if (!this.stopped) this.logger.warn(`Schedule tick failed: ${(err as Error).message}`);
    }
    this.aim(ok ? nextAt : null);
  }

  /** Wake at `nextAt` (ms), at most SCHEDULER_POLL_MS from now (the safety poll). */
  private aim(nextAt: number | null): void {
    if (this.stopped) return;
    let delay = this.config.SCHEDULER_POLL_MS;
    if (nextAt !== null) delay = Math.min(delay, Math.max(nextAt - this.clock.now(), BUSY_RETRY_MS));
    this.timer = this.clock.setTimer(delay, () => {
      this.timer = null;
      this.wake();
    });
  }

  private clearTimer(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /** Readiness: ticking recently and nothing overdue. */
  private async check() {
    const indicator = this.health.check('scheduler');
    if (!this.config.SCHEDULER_ENABLED) return indicator.up({ state: 'disabled' });
    const sinceTick = this.clock.now() - (this.lastTickAt || this.startedAt);
    if (sinceTick > ALIVE_MS) return indicator.down({ state: 'stalled', lastTickMsAgo: sinceTick });
    try {
      const row = await overdue(this.dataSource, LAG_MS / 1000);
      if (row.n > 0) return indicator.down({ state: 'lagging', overdue: row.n, oldest: row.oldest });
    } catch (err) {
      return indicator.down({ state: 'error', message: (err as Error).message });
    }
    return indicator.up({ state: 'ticking', lastTickMsAgo: sinceTick, listening: this.listener.connected });
  }

  /** Stop firing before the database connections close; an in-flight transaction completes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.running?.catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.clearTimer();
  }
}
