import { HttpException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, QueryRunner } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { EnqueueInput } from '../executions/enqueue-input.js';
import { ExecutionsService } from '../executions/executions.service.js';
import type { Job } from '../jobs/job.entity.js';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import { compileSpec, type CompiledSpec, type FiringPlan, planFiring } from './schedule-clock.js';
import { advance, countDue, type DueRow, lockDue, savepoint } from './schedule-firing.store.js';

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

/** What one `fireDue` call needs from the timer loop. */
export interface FiringRound {
  /** The instant to fire up to (null: the database clock). */
  at: Date | null;
  /** True once the ticker is stopping: no new batch starts. */
  stopped(): boolean;
  /** Called after each committed batch (the ticker is alive even during a long catch-up). */
  alive(): void;
}

/**
 * Fires the due slots of schedules (the timer loop that calls it: schedule-ticker.ts). A firing
 * transaction locks due rows with `FOR UPDATE SKIP LOCKED`, enqueues their slots through
 * ExecutionsService (in bulk with `enqueueMany`; the slot `(schedule_id, scheduled_for)` is unique)
 * and advances `next_run_at` before committing, so a slot fires exactly once whichever replica
 * gets there first.
 */
@Injectable()
export class ScheduleFiring {
  private readonly logger = new Logger('ScheduleTicker');
  /** Compiled specs by timing (see `plan`). */
  private readonly compiled = new Map<string, CompiledSpec>();
  /** Slots fired by this process (for logs / tests). */
  fired = 0;
  /** Slots handed to the batched path (`ExecutionsService.enqueueMany`) by this process (for tests). */
  batched = 0;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly executions: ExecutionsService,
    private readonly catalogue: JobCatalogue,
  ) {}

  /**
   * Fire every due schedule: as many parallel batches (up to SCHEDULER_PARALLELISM) as the due rows
   * fill, the rows split evenly between them; each keeps going while its batches come back full.
   */
  async fireDue(round: FiringRound): Promise<void> {
    const size = this.config.SCHEDULER_BATCH_SIZE;
    const parallelism = this.config.SCHEDULER_PARALLELISM;
    const n = await countDue(this.dataSource, size * parallelism, round.at);
    if (n === 0) return;
    const workers = Math.min(parallelism, Math.ceil(n / size));
    const limit = Math.ceil(n / workers);
    const worker = async () => {
      while (!round.stopped() && (await this.fireBatch(round, false, limit)) >= limit) {
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
  private async fireBatch(round: FiringRound, safe: boolean, limit: number): Promise<number> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const rows = await lockDue(qr, limit, round.at);
      if (!rows.length) {
        await qr.commitTransaction();
        return 0;
      }
      // The jobs of these schedules from the one job catalogue: the stamps were read with the locked rows,
      // so only jobs changed since they were cached are read again (a gone job has no stamp: nothing fires).
      const stamps = new Map<string, { stamp: string }>();
      for (const r of rows) if (r.job_stamp !== null) stamps.set(r.job_id, { stamp: r.job_stamp });
      const jobs = await this.catalogue.byStamps(stamps);
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
            if (safe) await savepoint.begin(qr);
            try {
              for (const input of inputs) if (await this.executions.enqueue(input, qr.manager)) fired++;
              if (safe) await savepoint.release(qr);
            } catch (err) {
              if (!safe) throw err;
              await savepoint.rollback(qr);
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
      await advance(qr, ids, nexts, lasts);
      await qr.commitTransaction();
      this.fired += fired;
      round.alive(); // alive, even while a long catch-up keeps the tick loop busy
      return rows.length;
    } catch (err) {
      await this.rollback(qr);
      if (safe || round.stopped()) throw err;
      this.logger.warn(`Firing batch failed (${(err as Error).message}); retrying schedule by schedule`);
      return this.fireBatch(round, true, limit);
    } finally {
      await qr.release();
    }
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
  private plan(row: DueRow, now: number): FiringPlan {
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
}
