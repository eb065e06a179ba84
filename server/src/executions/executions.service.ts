import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import type { ExecutionFanOutInfo } from '@api-manager/contracts';
import { concurrencyOf } from './concurrency.js';
import { insertChildren, managerQuery } from './fanout/fanout.store.js';
import { matrixRows, matrixSize, type Dimension } from './fanout/matrix.js';
import type { EnqueueInput } from './enqueue-input.js';
import type { Execution } from './execution.entity.js';
import { EventsService } from './events.service.js';
import { EVENTS_CHANNEL, WAKE_CHANNEL } from './channels.js';
import { ProgressService } from './progress.service.js';
import { retrySettings } from './retry-policy.js';
import { FINAL_STATUSES, statusIn } from '../common/statuses.js';
import { poolOf } from '../database/pg-pool.js';
import {
  cancelQueued,
  cancelQueuedChildren,
  cancelRunning,
  cancelRunningChildren,
  countActiveRuns,
  insertFinishedRun,
  insertLog,
  insertQueuedRuns,
  insertRun,
  lockSkipDecision,
  notifyPairs,
  notifyWake,
  type PlainRuns,
  requestCancel,
  runColumns,
  selectByIdempotencyKey,
  selectExecution,
  setFanOut,
  toExecution,
} from './executions.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The one way into the queue (every trigger), plus cancel and retry. */
@Injectable()
export class ExecutionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly params: ParamsResolver,
    private readonly jobs: JobsService,
    private readonly events: EventsService,
    private readonly progress: ProgressService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Queue a run of a job. Runs inside `manager`'s transaction when given (schedules, webhooks),
   * else in its own. Returns null when the schedule slot already exists (nothing inserted), the
   * existing execution when the idempotency key was used before, a `skipped` execution when the
   * overlap policy says so. Throws 409 for a disabled job, 400 for bad params.
   */
  async enqueue(input: EnqueueInput, manager?: EntityManager): Promise<Execution | null> {
    const { job } = input;
    if (!job.enabled) throw new ConflictException(`Job "${job.name}" is disabled: enable it before running it`);
    const resolved = (await this.params.resolve(job, input.params ?? {}, input.context)) as Record<string, unknown>;
    const secret = this.params.taintedNames(job, input.params, input.secretParams);
    // Fan-out params (several = a matrix); one with a `source` and no value is fetched by the worker.
    const defs = this.params.fanOutParams(job);
    const pending = defs.filter((d) => d.source && resolved[d.name] === undefined).map((d) => d.name);
    let dims: Dimension[] | null = null;
    if (defs.length && !pending.length) {
      dims = defs.map((d) => ({
        param: d.name,
        items: Array.isArray(resolved[d.name]) ? (resolved[d.name] as unknown[]).map((x) => String(x)) : [],
      }));
      const size = matrixSize(dims);
      if (size > this.config.FANOUT_MAX) {
        throw new BadRequestException([
          dims.length === 1
            ? `params.${dims[0].param} has ${size} items: a run fans out to at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`
            : `params: ${dims.map((d) => `${d.param} (${d.items.length})`).join(' × ')} make ${size} runs: ` +
              `a run fans out to at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`,
        ]);
      }
      // A secret fan-out param: each child's item is stored sealed too.
      dims = dims.map((d) =>
        secret.includes(d.param)
          ? {
              ...d,
              items: d.items.map((x) => this.params.sealParams(job, { [d.param]: x }, [d.param])[d.param] as string),
            }
          : d,
      );
    }
    // Secret params are stored encrypted; the runner decrypts them (ParamsResolver.resolve).
    const sealed = this.params.sealParams(job, resolved, secret);
    const run = (m: EntityManager) => this.insert(m, input, sealed, dims);
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private async insert(
    m: EntityManager,
    input: EnqueueInput,
    params: Record<string, unknown>,
    dims: Dimension[] | null,
  ): Promise<Execution | null> {
    const { job } = input;
    const policy = concurrencyOf(job);
    let skipReason: string | null = null;
    if (policy.overlap === 'skip' && input.trigger !== 'fanout') {
      // Serialize skip decisions per job across replicas for the rest of this transaction.
      await lockSkipDecision(m, job.id);
      const n = await countActiveRuns(m, job.id);
      if (n >= (policy.max ?? 1)) {
        skipReason = `Skipped: ${n} execution(s) of "${job.name}" already queued or running (overlap policy skip, max ${policy.max ?? 1})`;
      }
    }

    const isFanOut = !skipReason && dims !== null;
    const fanItems = isFanOut ? matrixRows(dims) : [];
    const status = skipReason ? 'skipped' : isFanOut ? (fanItems.length ? 'running' : 'succeeded') : 'queued';
    const maxAttempts = retrySettings(job.retry).maxAttempts;

    const inserted = await insertRun(m, {
      input,
      params,
      status,
      maxAttempts,
      error: skipReason,
      childrenTotal: fanItems.length,
    });
    if (!inserted) {
      // Schedule slot taken (-> null) or idempotency key used before (-> that execution).
      if (!input.idempotencyKey) return null;
      const row = await selectByIdempotencyKey(m, job.id, input.idempotencyKey);
      return row ? toExecution(row) : null;
    }
    const exec = toExecution(inserted);

    if (isFanOut) {
      const names = new Set(dims.map((d) => d.param));
      const base = Object.fromEntries(Object.entries(params).filter(([k]) => !names.has(k)));
      const info: ExecutionFanOutInfo = {
        parallelism: null,
        dimensions: dims.map((d) => ({ param: d.param, count: d.items.length })),
      };
      await setFanOut(m, exec.id, info);
      await insertChildren(
        managerQuery(m),
        {
          jobId: job.id,
          jobName: job.name,
          parentId: exec.id,
          actor: input.actor ?? null,
          maxAttempts,
          runAt: input.runAt ?? null,
          push: exec.push,
          base,
        },
        fanItems,
      );
    }
    if (status === 'queued' || fanItems.length) await notifyWake(m);
    await this.events.publish('execution', { id: exec.id, status: exec.status, jobName: exec.jobName }, m);
    return exec;
  }

  /**
   * True when `enqueueMany` writes exactly what `enqueue` would for this input: an enabled job with
   * no overlap 'skip' check (it counts running executions under a lock) and no fan-out (children
   * rows), and no idempotency key (a reused key returns the earlier execution). Others go through `enqueue`.
   */
  canEnqueueMany(input: EnqueueInput): boolean {
    const { job } = input;
    return (
      job.enabled &&
      !input.idempotencyKey &&
      input.trigger !== 'fanout' &&
      concurrencyOf(job).overlap !== 'skip' &&
      this.params.fanOutParams(job).length === 0
    );
  }

  /**
   * The params of one run as `enqueue` stores them: resolved (defaults, templates, types) and with
   * secret params sealed. Throws 409 for a disabled job, 400 for bad params, like `enqueue`.
   */
  async prepareParams(input: EnqueueInput): Promise<Record<string, unknown>> {
    const { job } = input;
    if (!job.enabled) throw new ConflictException(`Job "${job.name}" is disabled: enable it before running it`);
    const resolved = (await this.params.resolve(job, input.params ?? {}, input.context)) as Record<string, unknown>;
    return this.params.sealParams(job, resolved, this.params.taintedNames(job, input.params, input.secretParams));
  }

  /**
   * Queue many runs in `m`'s transaction with one multi-row
   * `INSERT … ON CONFLICT (schedule_id, scheduled_for) DO NOTHING`, one wake NOTIFY for the workers and
   * the execution events in as few NOTIFYs as fit. For inputs accepted by `canEnqueueMany`, with
   * params from `prepareParams`: the rows are those `enqueue` would insert (status 'queued').
   * Returns the inserted executions (a slot that already exists is not inserted, as in `enqueue`).
   */
  async enqueueMany(
    items: { input: EnqueueInput; params: Record<string, unknown> }[],
    m: EntityManager,
  ): Promise<{ id: string; scheduleId: string | null; scheduledFor: Date | null }[]> {
    for (const { input } of items) {
      if (!this.canEnqueueMany(input)) throw new Error(`enqueueMany cannot queue job "${input.job.name}": use enqueue`);
    }
    if (!items.length) return [];
    // A stable row order (slot by slot) so concurrent batches take index locks in the same order.
    const sorted = [...items].sort(
      (a, b) =>
        (a.input.scheduleId ?? '').localeCompare(b.input.scheduleId ?? '') ||
        (a.input.scheduledFor?.getTime() ?? 0) - (b.input.scheduledFor?.getTime() ?? 0),
    );
    const rows = await insertQueuedRuns(m, runColumns(sorted));
    if (rows.length) {
      const events = this.events.payloads(
        'execution',
        rows.map((r) => ({ id: r.id, status: r.status, jobName: r.job_name })),
      );
      await notifyPairs(m, [WAKE_CHANNEL, ...events.map(() => EVENTS_CHANNEL)], ['', ...events]);
    }
    return rows.map((r) => ({
      id: r.id,
      scheduleId: r.schedule_id,
      scheduledFor: r.scheduled_for === null ? null : new Date(r.scheduled_for),
    }));
  }

  /**
   * Runs to be written as part of a caller's single statement (one round trip, atomic without
   * BEGIN/COMMIT, as the webhook receiver writes a delivery with its runs): the typed rows, with ids
   * chosen here so the execution events are known beforehand. The SQL is `queueRunsFragment` in
   * executions.store.ts. Only for inputs accepted by `canEnqueueMany`, with params from
   * `prepareParams`, and without a schedule slot (nothing can conflict).
   */
  plainRuns(items: { input: EnqueueInput; params: Record<string, unknown> }[]): PlainRuns {
    for (const { input } of items) {
      if (!this.canEnqueueMany(input) || input.scheduleId)
        throw new Error(`plainRuns cannot queue job "${input.job.name}": use enqueue`);
    }
    const columns = runColumns(items);
    const ids = columns[0] as string[];
    const events = this.events.payloads(
      'execution',
      items.map((x, i) => ({ id: ids[i], status: 'queued', jobName: x.input.job.name })),
    );
    return {
      columns,
      ids,
      channels: [WAKE_CHANNEL, ...events.map(() => EVENTS_CHANNEL)],
      payloads: ['', ...events],
    };
  }

  /**
   * A run that could not be queued (e.g. a chain step whose params fail validation), recorded as a
   * finished `failed` execution with the reason, so it shows as a child of its parent and in the
   * job's history instead of only as a log line. `params` should already be masked.
   */
  async recordFailed(
    input: EnqueueInput,
    params: Record<string, unknown>,
    reason: string,
    status: 'failed' | 'skipped' = 'failed',
  ): Promise<Execution> {
    const pool = poolOf(this.dataSource);
    const exec = toExecution(await insertFinishedRun(pool, input, params, reason, status));
    await insertLog(pool, exec.id, status === 'failed' ? 'error' : 'info', reason);
    void this.events.publish('execution', {
      id: exec.id,
      status: exec.status,
      jobName: exec.jobName,
      parentId: exec.parentId,
    });
    return exec;
  }

  async findOne(id: string): Promise<Execution> {
    if (!UUID.test(id)) throw new BadRequestException('id must be a UUID');
    const row = await selectExecution(poolOf(this.dataSource), id);
    if (!row) throw new NotFoundException(`Execution ${id} not found`);
    return toExecution(row);
  }

  /** Cancel: a queued run is cancelled now; a running one is aborted by the worker holding it (any replica). */
  async cancel(id: string, actor?: string | null): Promise<Execution> {
    const exec = await this.findOne(id);
    if (statusIn(exec.status, FINAL_STATUSES)) {
      throw new ConflictException(`Execution ${id} already finished (${exec.status})`);
    }
    const pool = poolOf(this.dataSource);
    const reason = `Cancelled${actor ? ` by ${actor}` : ''}`;
    if (exec.childrenTotal > 0) {
      // Fan-out parent: cancel the children; the parent settles (cancelled) as they finish.
      await requestCancel(pool, id);
      for (const r of await cancelQueuedChildren(pool, id, reason)) {
        const child = toExecution(r);
        void this.events.publish('execution', {
          id: child.id,
          status: child.status,
          jobName: child.jobName,
          parentId: id,
        });
        await this.progress.childFinished(child, 'cancelled');
      }
      await cancelRunningChildren(pool, id);
      return this.findOne(id);
    }
    const cancelled = await cancelQueued(pool, id, reason);
    if (cancelled) {
      const done = toExecution(cancelled);
      void this.events.publish('execution', { id, status: done.status, jobName: done.jobName });
      await this.progress.childFinished(done, 'cancelled');
      return done;
    }
    await cancelRunning(pool, id);
    return this.findOne(id);
  }

  /** A new execution with the same params (trigger 'retry', retry_of = the original). */
  async retry(id: string, actor?: string | null): Promise<Execution> {
    const original = await this.findOne(id);
    if (!statusIn(original.status, FINAL_STATUSES)) {
      throw new ConflictException(`Execution ${id} is still ${original.status}: cancel it or wait for it to finish`);
    }
    const job = await this.jobs.get(original.jobId);
    const exec = await this.enqueue({
      job,
      trigger: 'retry',
      triggerRef: original.id,
      retryOf: original.id,
      actor: actor ?? null,
      params: original.params,
    });
    if (!exec) throw new ConflictException('Retry was not queued');
    return exec;
  }
}
