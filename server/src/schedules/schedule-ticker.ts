import {
  HttpException,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleDestroy,
} from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import pg from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { EnqueueInput } from '../executions/enqueue-input.js';
import { ExecutionsService } from '../executions/executions.service.js';
import { ReadinessRegistry } from '../health/readiness.registry.js';
import { Job } from '../jobs/job.entity.js';
import { compileSpec, type CompiledSpec, type MisfirePolicy, planFiring } from './schedule-clock.js';

export const SCHEDULES_CHANNEL = 'apm_schedules';
const TIMER_NAME = 'schedules-ticker';
/** Readiness: the ticker must have completed a tick within this long… */
const ALIVE_MS = 5000;
/** …and no enabled schedule may be overdue by more than this. */
const LAG_MS = 30_000;
/** Retry delay when due rows exist but are locked by another replica's firing transaction. */
const BUSY_RETRY_MS = 10;

interface DueRow {
  id: string;
  job_id: string;
  name: string;
  cron: string | null;
  interval_seconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  starts_at: Date | null;
  ends_at: Date | null;
  misfire_policy: MisfirePolicy;
  misfire_cap: number;
  next_run_at: Date;
  /** Row version of the job (null when the job is gone). */
  job_xmin: string | null;
  db_now: number;
}

/** A spec whose `next()` answers are remembered (a few hundred: the slots being fired now). */
function memoized(spec: CompiledSpec): CompiledSpec {
  const memo = new Map<number, number | null>();
  return {
    spec: spec.spec,
    expression: spec.expression,
    next(afterMs: number): number | null {
      let v = memo.get(afterMs);
      if (v === undefined) {
        v = spec.next(afterMs);
        if (memo.size >= 256) memo.clear();
        memo.set(afterMs, v);
      }
      return v;
    },
  };
}

/** An enqueue error as text (a 400's message lists the params that did not resolve). */
function reason(err: unknown): string {
  if (err instanceof HttpException) {
    const body = err.getResponse() as { message?: unknown };
    const msg = typeof body === 'object' && body?.message !== undefined ? body.message : body;
    return Array.isArray(msg) ? msg.join('; ') : String(msg);
  }
  return (err as Error).message;
}

/**
 * Fires due schedules. Every replica runs one; there is no leader. A timer is aimed at the
 * earliest `next_run_at` (plus a safety poll); a firing transaction locks due rows with
 * `FOR UPDATE SKIP LOCKED`, enqueues their slots through ExecutionsService (in bulk with
 * `enqueueMany`; the slot `(schedule_id, scheduled_for)` is unique) and advances `next_run_at` before committing, so a
 * slot fires exactly once whichever replica gets there first. Changes arrive by NOTIFY.
 */
@Injectable()
export class ScheduleTicker implements OnApplicationBootstrap, OnModuleDestroy, OnApplicationShutdown {
  private readonly logger = new Logger(ScheduleTicker.name);
  /** Jobs by id with their row version (see `jobsOf`). */
  private readonly jobCache = new Map<string, { xmin: string; job: Job }>();
  /** Compiled specs by timing (see `plan`). */
  private readonly compiled = new Map<string, CompiledSpec>();
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;
  private listen: pg.Client | null = null;
  private listenRetryMs = 250;
  private listenTimer: NodeJS.Timeout | null = null;
  private readonly startedAt = Date.now();
  lastTickAt = 0;
  /** Slots fired by this process (for logs / tests). */
  fired = 0;
  /** Slots handed to the batched path (`ExecutionsService.enqueueMany`) by this process (for tests). */
  batched = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly executions: ExecutionsService,
    private readonly readiness: ReadinessRegistry,
    private readonly health: HealthIndicatorService,
    private readonly registry: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    this.readiness.register('scheduler', () => this.check());
    if (!this.config.SCHEDULER_ENABLED) {
      this.logger.log('Schedule ticker disabled (SCHEDULER_ENABLED=false)');
      return;
    }
    void this.connectListener();
    this.wake();
  }

  /** Tick as soon as possible (after a change, a NOTIFY, or when the timer fires). */
  wake(): void {
    if (this.stopped || !this.config.SCHEDULER_ENABLED) return;
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
        await this.fireDue();
        nextAt = await this.earliest();
      } while (this.again && !this.stopped);
      this.lastTickAt = Date.now();
      ok = true;
    } catch (err) {
      if (!this.stopped) this.logger.warn(`Schedule tick failed: ${(err as Error).message}`);
    }
    this.aim(ok ? nextAt : null);
  }

  private aim(nextAt: number | null): void {
    if (this.stopped) return;
    let delay = this.config.SCHEDULER_POLL_MS;
    if (nextAt !== null) delay = Math.min(delay, Math.max(nextAt - Date.now(), BUSY_RETRY_MS));
    this.timer = setTimeout(() => {
      this.timer = null;
      this.registry.deleteTimeout(TIMER_NAME);
      this.wake();
    }, delay);
    this.registry.addTimeout(TIMER_NAME, this.timer);
  }

  private clearTimer(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    if (this.registry.doesExist('timeout', TIMER_NAME)) this.registry.deleteTimeout(TIMER_NAME);
  }

  private async earliest(): Promise<number | null> {
    const [row] = await this.dataSource.query(
      `SELECT (extract(epoch FROM min(next_run_at)) * 1000)::float8 AS t FROM schedules WHERE enabled`,
    );
    return row?.t === null || row?.t === undefined ? null : Number(row.t);
  }

  /**
   * Fire every due schedule: as many parallel batches (up to SCHEDULER_PARALLELISM) as the due rows
   * fill, the rows split evenly between them; each keeps going while its batches come back full.
   */
  private async fireDue(): Promise<void> {
    const size = this.config.SCHEDULER_BATCH_SIZE;
    const parallelism = this.config.SCHEDULER_PARALLELISM;
    const [{ n }] = await this.dataSource.query(
      `SELECT count(*)::int AS n
         FROM (SELECT 1 FROM schedules WHERE enabled AND next_run_at <= clock_timestamp() LIMIT $1) d`,
      [size * parallelism],
    );
    if (n === 0) return;
    const workers = Math.min(parallelism, Math.ceil(n / size));
    const limit = Math.ceil(n / workers);
    const worker = async () => {
      while (!this.stopped && (await this.fireBatch(false, limit)) >= limit) {
        /* keep going */
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
  }

  /**
   * One transaction: lock up to n due schedules, enqueue their slots, advance them. With `safe`,
   * each schedule runs under a savepoint so one bad schedule (e.g. params that no longer resolve)
   * does not block the others: its slot is logged and skipped, and it still advances.
   */
  private async fireBatch(safe: boolean, limit: number): Promise<number> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const rows: DueRow[] = await qr.query(
        `SELECT s.id, s.job_id, s.name, s.cron, s.interval_seconds, s.timezone, s.params, s.starts_at, s.ends_at,
                s.misfire_policy, s.misfire_cap, s.next_run_at, j.xmin::text AS job_xmin,
                (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS db_now
           FROM schedules s LEFT JOIN jobs j ON j.id = s.job_id
          WHERE s.enabled AND s.next_run_at <= clock_timestamp()
          ORDER BY s.next_run_at
          LIMIT $1
            FOR UPDATE OF s SKIP LOCKED`,
        [limit],
      );
      if (!rows.length) {
        await qr.commitTransaction();
        return 0;
      }
      const jobs = await this.jobsOf(rows, qr);
      const ids: string[] = [];
      const nexts: (string | null)[] = [];
      const lasts: (string | null)[] = [];
      const bulk: { input: EnqueueInput; params: Record<string, unknown> }[] = [];
      let fired = 0;
      // One "now" (the database clock, read while locking) for the whole batch.
      const now = Math.max(...rows.map((r) => Number(r.db_now)));
      for (const row of rows) {
        const plan = this.plan(row, now);
        const job = jobs.get(row.job_id);
        if (job?.enabled && plan.slots.length) {
          const inputs = plan.slots.map((slot) => this.slotInput(row, job, slot));
          if (!safe && inputs.every((i) => this.executions.canEnqueueMany(i))) {
            // Batched path: params resolved here (in memory), rows written below in one INSERT.
            // A slot whose params do not resolve drops the schedule's slots, logged; it still advances.
            try {
              const prepared = [];
              for (const input of inputs) prepared.push({ input, params: await this.executions.prepareParams(input) });
              bulk.push(...prepared);
            } catch (err) {
              this.logger.error(`Schedule ${row.id} (${row.name}) could not enqueue: ${reason(err)}`);
            }
          } else {
            // One by one (overlap 'skip', fan-out, or the safe retry of a failed batch).
            if (safe) await qr.query('SAVEPOINT fire_one');
            try {
              for (const input of inputs) if (await this.executions.enqueue(input, qr.manager)) fired++;
              if (safe) await qr.query('RELEASE SAVEPOINT fire_one');
            } catch (err) {
              if (!safe) throw err;
              await qr.query('ROLLBACK TO SAVEPOINT fire_one');
              this.logger.error(`Schedule ${row.id} (${row.name}) could not enqueue: ${reason(err)}`);
            }
          }
          if (plan.catchUp) this.logger.log(`Schedule ${row.name}: ${plan.catchUp} catch-up run(s) (misfire)`);
        }
        ids.push(row.id);
        nexts.push(plan.nextRunAt === null ? null : new Date(plan.nextRunAt).toISOString());
        lasts.push(plan.slots.length ? new Date(plan.slots[plan.slots.length - 1]).toISOString() : null);
      }
      if (bulk.length) {
        fired += (await this.executions.enqueueMany(bulk, qr.manager)).length;
        this.batched += bulk.length;
      }
      await qr.query(
        `UPDATE schedules AS s
            SET next_run_at = v.next, last_run_at = COALESCE(v.last, s.last_run_at)
           FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[]) AS v(id, next, last)
          WHERE s.id = v.id`,
        [ids, nexts, lasts],
      );
      await qr.commitTransaction();
      this.fired += fired;
      this.lastTickAt = Date.now(); // alive, even while a long catch-up keeps the tick loop busy
      return rows.length;
    } catch (err) {
      await this.rollback(qr);
      if (safe || this.stopped) throw err;
      this.logger.warn(`Firing batch failed (${(err as Error).message}); retrying schedule by schedule`);
      return this.fireBatch(true, limit);
    } finally {
      await qr.release();
    }
  }

  /**
   * The jobs of the locked rows. A job is read again only when its row changed: the row version
   * (`xmin`, new on every UPDATE however it is made) read with the schedules is the cache key.
   */
  private async jobsOf(rows: DueRow[], qr: QueryRunner): Promise<Map<string, Job>> {
    const out = new Map<string, Job>();
    const load = new Set<string>();
    for (const r of rows) {
      if (r.job_xmin === null) continue; // job gone: nothing to fire
      const hit = this.jobCache.get(r.job_id);
      if (hit && hit.xmin === r.job_xmin) out.set(r.job_id, hit.job);
      else load.add(r.job_id);
    }
    if (load.size) {
      const found = await qr.manager
        .createQueryBuilder(Job, 'j')
        .addSelect('j.xmin::text', 'job_xmin')
        .where('j.id IN (:...ids)', { ids: [...load] })
        .getRawAndEntities<{ job_xmin: string }>();
      if (this.jobCache.size > 10_000) this.jobCache.clear();
      found.entities.forEach((job, i) => {
        out.set(job.id, job);
        this.jobCache.set(job.id, { xmin: found.raw[i].job_xmin, job });
      });
    }
    return out;
  }

  /** The run of one slot of a schedule (`scheduled_for` = run_at = the slot; templates see it as now). */
  private slotInput(row: DueRow, job: Job, slot: number): EnqueueInput {
    const at = new Date(slot);
    return {
      job,
      trigger: 'schedule',
      triggerRef: row.id,
      actor: `schedule:${row.name}`,
      params: row.params ?? {},
      context: { timezone: row.timezone, now: at },
      scheduleId: row.id,
      scheduledFor: at,
      runAt: at,
    };
  }

  private async rollback(qr: QueryRunner): Promise<void> {
    if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
  }

  /**
   * The firing plan of one due row at `now`. Compiled specs are shared by every schedule with the
   * same timing (cron/interval, zone, window) and remember their recent `next()` answers, so 1,000
   * schedules on the same cron cost one croner evaluation per slot, not 1,000.
   */
  private plan(row: DueRow, now: number) {
    const key = JSON.stringify([
      row.cron,
      row.interval_seconds,
      row.timezone,
      row.starts_at === null ? null : new Date(row.starts_at).getTime(),
      row.ends_at === null ? null : new Date(row.ends_at).getTime(),
    ]);
    let spec = this.compiled.get(key);
    if (!spec) {
      try {
        spec = memoized(
          compileSpec(
            {
              cron: row.cron,
              intervalSeconds: row.interval_seconds,
              timezone: row.timezone,
              startsAt: row.starts_at,
              endsAt: row.ends_at,
            },
            { probe: false },
          ),
        );
      } catch (err) {
        this.logger.error(`Schedule ${row.id} has an invalid spec (${(err as Error).message}); it is stopped`);
        return { slots: [], catchUp: 0, nextRunAt: null };
      }
      if (this.compiled.size > 10_000) this.compiled.clear();
      this.compiled.set(key, spec);
    }
    return planFiring(
      spec,
      new Date(row.next_run_at).getTime(),
      now,
      row.misfire_policy,
      row.misfire_cap,
      this.config.SCHEDULER_MISFIRE_TOLERANCE_MS,
    );
  }

  /** Readiness: ticking recently and nothing overdue. */
  private async check() {
    const indicator = this.health.check('scheduler');
    if (!this.config.SCHEDULER_ENABLED) return indicator.up({ state: 'disabled' });
    const sinceTick = Date.now() - (this.lastTickAt || this.startedAt);
    if (sinceTick > ALIVE_MS) return indicator.down({ state: 'stalled', lastTickMsAgo: sinceTick });
    try {
      const [row] = await this.dataSource.query(
        `SELECT count(*)::int AS n, min(next_run_at) AS oldest FROM schedules
          WHERE enabled AND next_run_at < now() - make_interval(secs => $1)`,
        [LAG_MS / 1000],
      );
      if (row.n > 0) return indicator.down({ state: 'lagging', overdue: row.n, oldest: row.oldest });
    } catch (err) {
      return indicator.down({ state: 'error', message: (err as Error).message });
    }
    return indicator.up({ state: 'ticking', lastTickMsAgo: sinceTick, listening: this.listen !== null });
  }

  // --- LISTEN apm_schedules: a dedicated connection, reconnected with backoff ---

  private async connectListener(): Promise<void> {
    if (this.stopped) return;
    const url = (this.dataSource.options as { url?: string }).url;
    const client = new pg.Client({ connectionString: url, application_name: 'api-manager-schedules' });
    client.on('notification', () => this.wake());
    client.on('error', (err) => {
      this.logger.warn(`Schedules LISTEN connection error: ${err.message}`);
      this.listenerDropped(client);
    });
    client.on('end', () => this.listenerDropped(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${SCHEDULES_CHANNEL}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.listen = client;
      this.listenRetryMs = 250;
      this.wake(); // changes made while disconnected were not notified
    } catch (err) {
      this.logger.warn(`Schedules LISTEN failed: ${(err as Error).message}; retrying in ${this.listenRetryMs} ms`);
      client.end().catch(() => undefined);
      this.retryListener();
    }
  }

  private listenerDropped(client: pg.Client): void {
    if (this.listen !== client) return;
    this.listen = null;
    client.end().catch(() => undefined);
    this.retryListener();
  }

  private retryListener(): void {
    if (this.stopped || this.listenTimer) return;
    this.listenTimer = setTimeout(() => {
      this.listenTimer = null;
      void this.connectListener();
    }, this.listenRetryMs);
    this.listenTimer.unref();
    this.listenRetryMs = Math.min(this.listenRetryMs * 2, 5000);
  }

  /** Stop firing before the database connections close; an in-flight transaction completes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    if (this.listenTimer) clearTimeout(this.listenTimer);
    await this.running?.catch(() => undefined);
    const c = this.listen;
    this.listen = null;
    await c?.end().catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
  }
}
