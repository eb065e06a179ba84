import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { concurrencyOf } from './concurrency.js';
import type { EnqueueInput } from './enqueue-input.js';
import type { Execution } from './execution.entity.js';
import { EventsService } from './events.service.js';
import { CANCEL_CHANNEL, WAKE_CHANNEL } from './pg-listener.service.js';
import { ProgressService } from './progress.service.js';
import { retrySettings } from './retry-policy.js';
import { FINAL_STATUSES, managerRows, poolOf, toExecution } from './sql.js';

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
    const fanOut = this.params.fanOutParam(job)?.name;
    const items = fanOut !== undefined ? resolved[fanOut] : undefined;
    const fanItems = Array.isArray(items) ? items.map((x) => String(x)) : null;
    // Secret params are stored encrypted; the runner decrypts them (ParamsResolver.resolve).
    const sealed = this.params.sealParams(job, resolved);
    const run = (m: EntityManager) => this.insert(m, input, sealed, fanOut, fanItems);
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  private async insert(
    m: EntityManager,
    input: EnqueueInput,
    params: Record<string, unknown>,
    fanOut: string | undefined,
    fanList: string[] | null,
  ): Promise<Execution | null> {
    const { job } = input;
    const policy = concurrencyOf(job);
    let skipReason: string | null = null;
    if (policy.overlap === 'skip' && input.trigger !== 'fanout') {
      // Serialize skip decisions per job across replicas for the rest of this transaction.
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('apm-skip:' || $1, 0))`, [job.id]);
      const [{ n }] = await managerRows<{ n: number }>(
        m,
        `SELECT count(*)::int AS n FROM executions
          WHERE job_id = $1 AND status IN ('queued','running') AND trigger <> 'fanout'`,
        [job.id],
      );
      if (n >= (policy.max ?? 1)) {
        skipReason = `Skipped: ${n} execution(s) of "${job.name}" already queued or running (overlap policy skip, max ${policy.max ?? 1})`;
      }
    }

    const isFanOut = !skipReason && fanList !== null;
    const fanItems = isFanOut ? fanList : [];
    const status = skipReason ? 'skipped' : isFanOut ? (fanItems.length ? 'running' : 'succeeded') : 'queued';
    const maxAttempts = retrySettings(job.retry).maxAttempts;

    const inserted = await managerRows(
      m,
      `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, delivery_id,
          parent_id, retry_of, idempotency_key, params, status, max_attempts, run_at, started_at, finished_at, duration_ms,
          error, children_total)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, COALESCE($15, now()),
          CASE WHEN $13 = 'queued' THEN NULL ELSE now() END,
          CASE WHEN $13 IN ('queued','running') THEN NULL ELSE now() END,
          CASE WHEN $13 IN ('queued','running') THEN NULL ELSE 0 END, $16, $17)
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [
        job.id,
        job.name,
        input.trigger,
        input.triggerRef ?? null,
        input.actor ?? null,
        input.scheduleId ?? null,
        input.scheduledFor ?? null,
        input.deliveryId ?? null,
        input.parentId ?? null,
        input.retryOf ?? null,
        input.idempotencyKey ?? null,
        JSON.stringify(params),
        status,
        maxAttempts,
        input.runAt ?? null,
        skipReason,
        fanItems.length,
      ],
    );
    if (!inserted.length) {
      // Schedule slot taken (-> null) or idempotency key used before (-> that execution).
      if (!input.idempotencyKey) return null;
      const rows = await managerRows(m, 'SELECT * FROM executions WHERE job_id = $1 AND idempotency_key = $2', [
        job.id,
        input.idempotencyKey,
      ]);
      return rows[0] ? toExecution(rows[0]) : null;
    }
    const exec = toExecution(inserted[0]);

    if (fanItems.length) {
      await m.query(
        `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, parent_id, params, max_attempts, run_at, created_at)
         SELECT $1, $2, 'fanout', $3::text, $4, $3::uuid, $5::jsonb || jsonb_build_object($6::text, t.item), $7,
                COALESCE($8, now()), clock_timestamp()
           FROM unnest($9::text[]) WITH ORDINALITY AS t(item, n) ORDER BY t.n`,
        [
          job.id,
          job.name,
          exec.id,
          input.actor ?? null,
          JSON.stringify(params),
          fanOut,
          maxAttempts,
          input.runAt ?? null,
          fanItems,
        ],
      );
    }
    if (status === 'queued' || fanItems.length) await m.query('SELECT pg_notify($1, $2)', [WAKE_CHANNEL, '']);
    await this.events.publish('execution', { id: exec.id, status: exec.status, jobName: exec.jobName }, m);
    return exec;
  }

  async findOne(id: string): Promise<Execution> {
    if (!UUID.test(id)) throw new BadRequestException('id must be a UUID');
    const { rows } = await poolOf(this.dataSource).query('SELECT * FROM executions WHERE id = $1', [id]);
    if (!rows[0]) throw new NotFoundException(`Execution ${id} not found`);
    return toExecution(rows[0]);
  }

  /** Cancel: a queued run is cancelled now; a running one is aborted by the worker holding it (any replica). */
  async cancel(id: string, actor?: string | null): Promise<Execution> {
    const exec = await this.findOne(id);
    if ((FINAL_STATUSES as readonly string[]).includes(exec.status)) {
      throw new ConflictException(`Execution ${id} already finished (${exec.status})`);
    }
    const pool = poolOf(this.dataSource);
    const reason = `Cancelled${actor ? ` by ${actor}` : ''}`;
    if (exec.childrenTotal > 0) {
      // Fan-out parent: cancel the children; the parent settles as they finish.
      const { rows } = await pool.query(
        `UPDATE executions SET status = 'cancelled', finished_at = now(), error = $2
          WHERE parent_id = $1 AND trigger = 'fanout' AND status = 'queued' RETURNING *`,
        [id, reason],
      );
      for (const r of rows) {
        const child = toExecution(r);
        void this.events.publish('execution', {
          id: child.id,
          status: child.status,
          jobName: child.jobName,
          parentId: id,
        });
        await this.progress.childFinished(child, true);
      }
      await pool.query(
        `WITH c AS (UPDATE executions SET cancel_requested = true WHERE parent_id = $1 AND trigger = 'fanout'
                      AND status = 'running' RETURNING id)
         SELECT pg_notify($2, c.id::text) FROM c`,
        [id, CANCEL_CHANNEL],
      );
      return this.findOne(id);
    }
    const { rows } = await pool.query(
      `UPDATE executions SET status = 'cancelled', finished_at = now(), error = $2, duration_ms = 0
        WHERE id = $1 AND status = 'queued' RETURNING *`,
      [id, reason],
    );
    if (rows[0]) {
      const done = toExecution(rows[0]);
      void this.events.publish('execution', { id, status: done.status, jobName: done.jobName });
      await this.progress.childFinished(done, true);
      return done;
    }
    await pool.query(
      `WITH c AS (UPDATE executions SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id)
       SELECT pg_notify($2, c.id::text) FROM c`,
      [id, CANCEL_CHANNEL],
    );
    return this.findOne(id);
  }

  /** A new execution with the same params (trigger 'retry', retry_of = the original). */
  async retry(id: string, actor?: string | null): Promise<Execution> {
    const original = await this.findOne(id);
    if (!(FINAL_STATUSES as readonly string[]).includes(original.status)) {
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
