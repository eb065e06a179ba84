import { randomUUID } from 'node:crypto';
import type { ExecutionFanOutInfo } from '@api-manager/contracts';
import type { EntityManager } from 'typeorm';
import { managerRows, type Queryable } from '../database/pg-pool.js';
import { type CteName, type SqlFragment } from '../database/sql-fragment.js';
import { CANCEL_CHANNEL, WAKE_CHANNEL } from './channels.js';
import type { EnqueueInput } from './enqueue-input.js';
import { Execution, type ExecutionStatusValue, type ExecutionTriggerValue } from './execution.entity.js';
import { retrySettings } from './retry-policy.js';

/**
 * The executions module's SQL (`executions`, `execution_logs`): queueing runs (one at a time, in batches,
 * as CTEs of another module's statement), recording a run that could not be queued, cancel, fan-out
 * progress, log lines, and the module's NOTIFYs. One function per statement; the services keep the logic.
 * Not here yet: the queue's claim and completion statements, history/status reads, retention (see
 * docs/architecture.md "Data access"); live output and "retry failed" are in execution-events.store.ts.
 */

/** A statement's runner: a pg pool or client, or a TypeORM EntityManager (a caller's transaction). */
export type Db = Queryable | EntityManager;

const isManager = (db: Db): db is EntityManager => 'transaction' in db;

/** The rows a statement returns, on a pool/client or through an EntityManager. */
async function rowsOf<T>(db: Db, text: string, values: unknown[] = []): Promise<T[]> {
  if (isManager(db)) return managerRows<T>(db, text, values);
  return (await db.query(text, values)).rows as T[];
}

/**
 * An `executions` row as pg returns it (snake_case). Timestamps are Dates, or ISO text when the row was
 * built as JSON in SQL (the queue's claim).
 */
export interface ExecutionRow {
  id: string;
  job_id: string;
  job_name: string;
  trigger: string;
  trigger_ref: string | null;
  actor: string | null;
  schedule_id: string | null;
  scheduled_for: Date | string | null;
  delivery_id: string | null;
  parent_id: string | null;
  retry_of: string | null;
  idempotency_key: string | null;
  params: Record<string, unknown>;
  status: string;
  attempt: number;
  max_attempts: number;
  run_at: Date | string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
  duration_ms: number | null;
  lease_owner: string | null;
  lease_until: Date | string | null;
  cancel_requested: boolean;
  request: Record<string, unknown> | null;
  response: Record<string, unknown> | null;
  error: string | null;
  attempts: Record<string, unknown>[];
  children_total: number;
  children_done: number;
  children_failed: number;
  children_cancelled: number;
  push: Record<string, unknown> | null;
  pipeline_run_id: string | null;
  fan_out: ExecutionFanOutInfo | null;
}

/** What `toExecution` needs: the identity, status and timing columns; the others may be left out of a SELECT. */
export type ExecutionRowPart = Pick<
  ExecutionRow,
  'id' | 'job_id' | 'job_name' | 'trigger' | 'status' | 'attempt' | 'max_attempts' | 'run_at' | 'created_at'
> &
  Partial<ExecutionRow>;

const date = (v: Date | string | null | undefined): Date | null =>
  v == null ? null : v instanceof Date ? v : new Date(v);

/** A raw `executions` row (snake_case) as an Execution entity; a column left out reads as its default. */
export function toExecution(r: ExecutionRowPart): Execution {
  const e = new Execution();
  e.id = r.id;
  e.jobId = r.job_id;
  e.jobName = r.job_name;
  // (the table's check constraints hold these to the entity's values)
  e.trigger = r.trigger as ExecutionTriggerValue;
  e.triggerRef = r.trigger_ref ?? null;
  e.actor = r.actor ?? null;
  e.scheduleId = r.schedule_id ?? null;
  e.scheduledFor = date(r.scheduled_for);
  e.deliveryId = r.delivery_id ?? null;
  e.parentId = r.parent_id ?? null;
  e.retryOf = r.retry_of ?? null;
  e.idempotencyKey = r.idempotency_key ?? null;
  e.params = r.params ?? {};
  e.status = r.status as ExecutionStatusValue;
  e.attempt = r.attempt;
  e.maxAttempts = r.max_attempts;
  e.runAt = date(r.run_at)!;
  e.createdAt = date(r.created_at)!;
  e.startedAt = date(r.started_at);
  e.finishedAt = date(r.finished_at);
  e.durationMs = r.duration_ms ?? null;
  e.leaseOwner = r.lease_owner ?? null;
  e.leaseUntil = date(r.lease_until);
  e.cancelRequested = r.cancel_requested ?? false;
  e.request = r.request ?? null;
  e.response = r.response ?? null;
  e.error = r.error ?? null;
  e.attempts = r.attempts ?? [];
  e.childrenTotal = r.children_total ?? 0;
  e.childrenDone = r.children_done ?? 0;
  e.childrenFailed = r.children_failed ?? 0;
  e.childrenCancelled = r.children_cancelled ?? 0;
  e.push = r.push ?? null;
  e.pipelineRunId = r.pipeline_run_id ?? null;
  return e;
}

export const RUN_COLUMNS = `id, job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, delivery_id,
  parent_id, retry_of, params, status, max_attempts, run_at, push`;

/** The push a run is made for: given, else the template context's (webhook runs). */
export const pushOf = (input: EnqueueInput): Record<string, unknown> | null =>
  input.push !== undefined ? input.push : (input.context?.push ?? null);

/** `SELECT` list + `FROM unnest(…)` of queued runs from `runColumns`' arrays ($first…), in their order. */
export function runValues(first: number, when = 'true'): string {
  const types = ['uuid', 'uuid', 'text', 'text', 'text', 'text', 'uuid', 'timestamptz', 'uuid', 'uuid', 'uuid', 'text'];
  const arrays = [...types, 'int', 'timestamptz', 'text'].map((t, i) => `$${first + i}::${t}[]`).join(', ');
  return `v.id, v.job_id, v.job_name, v.trigger, v.trigger_ref, v.actor, v.schedule_id, v.scheduled_for, v.delivery_id,
              v.parent_id, v.retry_of, v.params::jsonb, 'queued', v.max_attempts, COALESCE(v.run_at, now()), v.push::jsonb
         FROM unnest(${arrays})
              WITH ORDINALITY AS v(id, job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for,
                                   delivery_id, parent_id, retry_of, params, max_attempts, run_at, push, n)
        WHERE ${when}
        ORDER BY v.n`;
}

/** One array per column of `runValues`, ids chosen here. */
export function runColumns(items: { input: EnqueueInput; params: Record<string, unknown> }[]): unknown[][] {
  const col = <T>(f: (x: (typeof items)[number]) => T): T[] => items.map(f);
  return [
    col(() => randomUUID()),
    col((x) => x.input.job.id),
    col((x) => x.input.job.name),
    col((x) => x.input.trigger),
    col((x) => x.input.triggerRef ?? null),
    col((x) => x.input.actor ?? null),
    col((x) => x.input.scheduleId ?? null),
    col((x) => x.input.scheduledFor ?? null),
    col((x) => x.input.deliveryId ?? null),
    col((x) => x.input.parentId ?? null),
    col((x) => x.input.retryOf ?? null),
    col((x) => JSON.stringify(x.params)),
    col((x) => retrySettings(x.input.job.retry).maxAttempts),
    col((x) => x.input.runAt ?? null),
    col((x) => {
      const push = pushOf(x.input);
      return push ? JSON.stringify(push) : null;
    }),
  ];
}

/** Plain runs ready to be queued inside another module's statement (`ExecutionsService.plainRuns`). */
export interface PlainRuns {
  /** One array per column of `RUN_COLUMNS` (`runColumns`). */
  columns: unknown[][];
  /** The run ids (chosen before the statement). */
  ids: string[];
  /** The NOTIFYs sent with the runs: the workers' wake, then the execution events. */
  channels: string[];
  payloads: string[];
}

/** What `queueRunsFragment`'s select list answers. */
export interface QueuedRunsCounts {
  queued: number;
  notified: number;
}

/**
 * The runs as CTEs of a caller's statement: `apm_runs` inserts them and `apm_runs_notify` wakes the
 * workers and sends the execution events, both only when the caller's CTE `onlyIfRowIn` returned a
 * row (every run is inserted then, none otherwise). `select` is the caller's select-list part (columns
 * of `QueuedRunsCounts`) that makes the CTEs be evaluated. Parameters numbered from $1 (`compose`).
 */
export function queueRunsFragment(runs: PlainRuns, onlyIfRowIn: CteName): { ctes: SqlFragment; select: string } {
  const when = `EXISTS (SELECT 1 FROM ${onlyIfRowIn})`;
  const n = 1 + runs.columns.length;
  return {
    ctes: {
      text: `apm_runs AS (
          INSERT INTO executions (${RUN_COLUMNS}) SELECT ${runValues(1, when)} RETURNING id),
        apm_runs_notify AS (
          SELECT pg_notify(c.channel, c.payload) FROM unnest($${n}::text[], $${n + 1}::text[]) AS c(channel, payload)
           WHERE ${when})`,
      values: [...runs.columns, runs.channels, runs.payloads],
    },
    select: '(SELECT count(*) FROM apm_runs)::int AS queued, (SELECT count(*) FROM apm_runs_notify)::int AS notified',
  };
}

// ---- One run at a time (`ExecutionsService.enqueue`, in the caller's transaction) ----

/** Serialize overlap-`skip` decisions for `jobId` across replicas, until `m`'s transaction ends. */
export async function lockSkipDecision(m: EntityManager, jobId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('apm-skip:' || $1, 0))`, [jobId]);
}

/** Queued or running executions of a job, fan-out children not counted. */
export async function countActiveRuns(m: EntityManager, jobId: string): Promise<number> {
  const [{ n }] = await managerRows<{ n: number }>(
    m,
    `SELECT count(*)::int AS n FROM executions
      WHERE job_id = $1 AND status IN ('queued','running') AND trigger <> 'fanout'`,
    [jobId],
  );
  return n;
}

/** One new execution as `enqueue` writes it: queued, or already settled (skipped, an empty fan-out). */
export interface NewRun {
  input: EnqueueInput;
  params: Record<string, unknown>;
  status: ExecutionStatusValue;
  maxAttempts: number;
  /** The reason of a skipped run (its `error`). */
  error: string | null;
  childrenTotal: number;
}

/**
 * INSERT one execution; undefined when nothing was inserted (its schedule slot or idempotency key is
 * taken). A run that is not queued gets `started_at`, a final one `finished_at` and a 0 duration.
 */
export async function insertRun(m: EntityManager, r: NewRun): Promise<ExecutionRow | undefined> {
  const { input } = r;
  const push = pushOf(input);
  const rows = await managerRows<ExecutionRow>(
    m,
    `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, delivery_id,
        parent_id, retry_of, idempotency_key, params, status, max_attempts, run_at, started_at, finished_at, duration_ms,
        error, children_total, push, pipeline_run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14, COALESCE($15, now()),
        CASE WHEN $13 = 'queued' THEN NULL ELSE now() END,
        CASE WHEN $13 IN ('queued','running') THEN NULL ELSE now() END,
        CASE WHEN $13 IN ('queued','running') THEN NULL ELSE 0 END, $16, $17, $18::jsonb, $19)
     ON CONFLICT DO NOTHING
     RETURNING *`,
    [
      input.job.id,
      input.job.name,
      input.trigger,
      input.triggerRef ?? null,
      input.actor ?? null,
      input.scheduleId ?? null,
      input.scheduledFor ?? null,
      input.deliveryId ?? null,
      input.parentId ?? null,
      input.retryOf ?? null,
      input.idempotencyKey ?? null,
      JSON.stringify(r.params),
      r.status,
      r.maxAttempts,
      input.runAt ?? null,
      r.error,
      r.childrenTotal,
      push ? JSON.stringify(push) : null,
      input.pipelineRunId ?? null,
    ],
  );
  return rows[0];
}

/** The execution a job's idempotency key made. */
export async function selectByIdempotencyKey(
  m: EntityManager,
  jobId: string,
  key: string,
): Promise<ExecutionRow | undefined> {
  const rows = await managerRows<ExecutionRow>(
    m,
    'SELECT * FROM executions WHERE job_id = $1 AND idempotency_key = $2',
    [jobId, key],
  );
  return rows[0];
}

/** A fan-out parent's dimensions (`fan_out`, read by the fan-out store and the detail). */
export async function setFanOut(m: EntityManager, id: string, info: ExecutionFanOutInfo): Promise<void> {
  await managerRows(m, `UPDATE executions SET fan_out = $2::jsonb WHERE id = $1`, [id, JSON.stringify(info)]);
}

// ---- Many runs in one statement (`ExecutionsService.enqueueMany`: schedule firing) ----

/** A run `insertQueuedRuns` inserted. */
export interface QueuedRunRow {
  id: string;
  status: string;
  job_name: string;
  schedule_id: string | null;
  scheduled_for: Date | null;
}

/**
 * INSERT queued runs from `runColumns`' arrays in their order, in `m`'s transaction; a schedule slot that
 * already exists is not inserted (`ON CONFLICT (schedule_id, scheduled_for) DO NOTHING`).
 */
export async function insertQueuedRuns(m: EntityManager, columns: unknown[][]): Promise<QueuedRunRow[]> {
  return managerRows<QueuedRunRow>(
    m,
    `INSERT INTO executions (${RUN_COLUMNS})
       SELECT ${runValues(1)}
       ON CONFLICT (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL DO NOTHING
       RETURNING id, status, job_name, schedule_id, scheduled_for`,
    columns,
  );
}

// ---- A run that could not be queued, reads, cancel ----

/**
 * INSERT a finished run (`failed` or `skipped`) that was never queued, with its reason as `error`: one
 * attempt, a 0 duration, started and finished now.
 */
export async function insertFinishedRun(
  db: Queryable,
  input: EnqueueInput,
  params: Record<string, unknown>,
  reason: string,
  status: 'failed' | 'skipped',
): Promise<ExecutionRow> {
  const push = pushOf(input);
  const { rows } = await db.query<ExecutionRow>(
    `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, parent_id, params, status, max_attempts,
        run_at, started_at, finished_at, duration_ms, error, push, pipeline_run_id, idempotency_key)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $10, 1, now(), now(), now(), 0, $8, $9::jsonb, $11, $12)
     RETURNING *`,
    [
      input.job.id,
      input.job.name,
      input.trigger,
      input.triggerRef ?? null,
      input.actor ?? null,
      input.parentId ?? null,
      JSON.stringify(params),
      reason,
      push ? JSON.stringify(push) : null,
      status,
      input.pipelineRunId ?? null,
      input.idempotencyKey ?? null,
    ],
  );
  return rows[0]!;
}

/** One log line of an execution, stamped now (a chain step's outcome, a run that was not queued). */
export async function insertLog(db: Queryable, executionId: string, level: string, message: string): Promise<void> {
  await db.query('INSERT INTO execution_logs (execution_id, level, message) VALUES ($1, $2, $3)', [
    executionId,
    level,
    message,
  ]);
}

export async function selectExecution(db: Queryable, id: string): Promise<ExecutionRow | undefined> {
  const { rows } = await db.query<ExecutionRow>('SELECT * FROM executions WHERE id = $1', [id]);
  return rows[0];
}

/** Mark a run as cancel-requested (a fan-out parent then settles as cancelled). */
export async function requestCancel(db: Queryable, id: string): Promise<void> {
  await db.query(`UPDATE executions SET cancel_requested = true WHERE id = $1`, [id]);
}

/** Cancel a fan-out parent's queued children now; returns them. */
export async function cancelQueuedChildren(db: Queryable, parentId: string, reason: string): Promise<ExecutionRow[]> {
  const { rows } = await db.query<ExecutionRow>(
    `UPDATE executions SET status = 'cancelled', finished_at = now(), error = $2
      WHERE parent_id = $1 AND trigger = 'fanout' AND status = 'queued' RETURNING *`,
    [parentId, reason],
  );
  return rows;
}

/** Ask the workers holding a fan-out parent's running children to abort them (NOTIFY per child). */
export async function cancelRunningChildren(db: Queryable, parentId: string): Promise<void> {
  await db.query(
    `WITH c AS (UPDATE executions SET cancel_requested = true WHERE parent_id = $1 AND trigger = 'fanout'
                  AND status = 'running' RETURNING id)
     SELECT pg_notify($2, c.id::text) FROM c`,
    [parentId, CANCEL_CHANNEL],
  );
}

/** Cancel a run now if it is still queued; undefined when it is not. */
export async function cancelQueued(db: Queryable, id: string, reason: string): Promise<ExecutionRow | undefined> {
  const { rows } = await db.query<ExecutionRow>(
    `UPDATE executions SET status = 'cancelled', finished_at = now(), error = $2, duration_ms = 0
      WHERE id = $1 AND status = 'queued' RETURNING *`,
    [id, reason],
  );
  return rows[0];
}

/** Ask the worker holding a running run to abort it (NOTIFY), if it is running. */
export async function cancelRunning(db: Queryable, id: string): Promise<void> {
  await db.query(
    `WITH c AS (UPDATE executions SET cancel_requested = true WHERE id = $1 AND status = 'running' RETURNING id)
     SELECT pg_notify($2, c.id::text) FROM c`,
    [id, CANCEL_CHANNEL],
  );
}

// ---- Fan-out progress (`ProgressService`) ----

/**
 * Count one finished child on its running parent (row-locked) and, when it was the last, settle the
 * parent: `cancelled` (cancel requested, or only cancellations besides successes), `succeeded`, `failed`
 * (nothing succeeded) or `partial`, with its duration and an error that counts failed/cancelled children.
 * Undefined when the parent is not running.
 */
export async function countFinishedChild(
  db: Queryable,
  parentId: string,
  failed: 0 | 1,
  cancelled: 0 | 1,
): Promise<ExecutionRow | undefined> {
  const { rows } = await db.query<ExecutionRow>(
    `WITH n AS (SELECT id, children_done + 1 AS done, children_failed + $2::int AS failed,
                       children_cancelled + $3::int AS cancelled, children_total AS total,
                       children_done + 1 >= children_total AS last, cancel_requested
                  FROM executions WHERE id = $1 AND status = 'running' FOR UPDATE)
     UPDATE executions e SET
       children_done = n.done,
       children_failed = n.failed,
       children_cancelled = n.cancelled,
       status = CASE WHEN NOT n.last THEN e.status
                     WHEN n.cancel_requested OR (n.cancelled > 0 AND n.failed = 0) THEN 'cancelled'
                     WHEN n.failed = 0 THEN 'succeeded'
                     WHEN n.failed + n.cancelled >= n.total THEN 'failed'
                     ELSE 'partial' END,
       finished_at = CASE WHEN n.last THEN now() ELSE e.finished_at END,
       duration_ms = CASE WHEN n.last
                       THEN (extract(epoch FROM now() - COALESCE(e.started_at, e.created_at)) * 1000)::int
                       ELSE e.duration_ms END,
       error = CASE WHEN NOT n.last OR (n.failed = 0 AND n.cancelled = 0) THEN e.error
                    WHEN n.cancel_requested OR n.failed = 0 THEN
                      'Cancelled: ' || n.cancelled || ' of ' || n.total || ' children cancelled'
                      || CASE WHEN n.failed > 0 THEN ', ' || n.failed || ' failed' ELSE '' END
                    ELSE n.failed || ' of ' || n.total || ' children failed'
                      || CASE WHEN n.cancelled > 0 THEN ', ' || n.cancelled || ' cancelled' ELSE '' END
               END
       FROM n WHERE e.id = n.id
     RETURNING e.*`,
    [parentId, failed, cancelled],
  );
  return rows[0];
}

// ---- NOTIFYs (delivered at commit when `db` is in a transaction) ----

/** One NOTIFY. */
export async function notify(db: Db, channel: string, payload: string): Promise<void> {
  await rowsOf(db, 'SELECT pg_notify($1, $2)', [channel, payload]);
}

/** Wake the workers (every replica's): something was queued. */
export function notifyWake(db: Db): Promise<void> {
  return notify(db, WAKE_CHANNEL, '');
}

/** One NOTIFY per (channel, payload) pair, in one statement. */
export async function notifyPairs(db: Db, channels: string[], payloads: string[]): Promise<void> {
  await rowsOf(
    db,
    'SELECT pg_notify(c.channel, c.payload) FROM unnest($1::text[], $2::text[]) AS c(channel, payload)',
    [channels, payloads],
  );
}

/** One NOTIFY on `channel` per payload, in one statement. */
export async function notifyEach(db: Db, channel: string, payloads: string[]): Promise<void> {
  await rowsOf(db, 'SELECT pg_notify($1, c) FROM unnest($2::text[]) AS c', [channel, payloads]);
}
