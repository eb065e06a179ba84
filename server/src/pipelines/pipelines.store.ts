import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { poolOf } from '../executions/sql.js';

/**
 * Every SQL statement of pipelines/: `pipeline_runs`, `fan_in_slots`, and the reads of `executions` by
 * `pipeline_run_id` (that column is this module's: it says which pipeline run an execution belongs to).
 */

export type SlotState = 'waiting' | 'fired' | 'skipped' | 'failed';

/** One needed run as a fan-in slot keeps it. */
export interface Arrival {
  executionId: string;
  status: string;
  /** Params and response with secrets masked (what templates see in the shadow render, and the API). */
  masked: { params: Record<string, unknown>; response?: { status?: number; json?: unknown; body?: string } };
  /** The plain params and response, encrypted (only when they held a secret), else null (= masked). */
  sealed: string | null;
  at: string;
}

export interface SlotRow {
  id: string;
  job_id: string;
  job_name: string;
  key_text: string;
  /** The key's param names in the order of `needs.key`. */
  key_names: string[];
  key_values: Record<string, unknown>;
  state: SlotState;
  arrivals: Record<string, Arrival>;
  pipeline_run_id: string | null;
  execution_id: string | null;
  reason: string | null;
  created_at: Date;
  deadline_at: Date;
  settled_at: Date | null;
}

export interface RunRow {
  id: string;
  root_execution_id: string;
  root_job_name: string;
  trigger: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  counts: Record<string, number>;
}

export interface RunCountsRow {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
  waiting: number;
  last_finished: Date | null;
}

export interface NodeRow {
  id: string;
  job_name: string;
  trigger: string;
  parent_id: string | null;
  status: string;
  params: Record<string, unknown>;
  started_at: Date | null;
  finished_at: Date | null;
  error: string | null;
}

/** The most nodes a pipeline run's graph returns. */
export const GRAPH_NODE_CAP = 2000;

const COUNTS = `
  count(*)::int AS total,
  count(*) FILTER (WHERE e.status = 'queued')::int AS queued,
  count(*) FILTER (WHERE e.status = 'running')::int AS running,
  count(*) FILTER (WHERE e.status = 'succeeded')::int AS succeeded,
  count(*) FILTER (WHERE e.status IN ('failed','timed_out','lost','partial'))::int AS failed,
  count(*) FILTER (WHERE e.status = 'cancelled')::int AS cancelled,
  count(*) FILTER (WHERE e.status = 'skipped')::int AS skipped,
  max(e.finished_at) AS last_finished`;

@Injectable()
export class PipelinesStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get pool(): Pool {
    return poolOf(this.dataSource);
  }

  transaction<T>(fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(fn);
  }

  // --- pipeline runs ---

  /** The pipeline run of an execution, if it has one. */
  async runOfExecution(executionId: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ pipeline_run_id: string | null }>(
      'SELECT pipeline_run_id FROM executions WHERE id = $1',
      [executionId],
    );
    return rows[0]?.pipeline_run_id ?? null;
  }

  /**
   * The pipeline run rooted at `rootId`, created once (unique root; a concurrent creator's row is found by
   * the second statement, which sees it committed). The root and its fan-out children are stamped with it.
   */
  async ensureRun(rootId: string): Promise<string> {
    const existing = await this.runOfExecution(rootId);
    if (existing) return existing;
    const { rows } = await this.pool.query<{ id: string }>(
      `INSERT INTO pipeline_runs (root_execution_id, root_job_name, trigger, started_at)
       SELECT id, job_name, trigger, COALESCE(started_at, created_at) FROM executions WHERE id = $1
       ON CONFLICT (root_execution_id) DO NOTHING
       RETURNING id`,
      [rootId],
    );
    let id = rows[0]?.id;
    if (!id) {
      const found = await this.pool.query<{ id: string }>('SELECT id FROM pipeline_runs WHERE root_execution_id = $1', [
        rootId,
      ]);
      id = found.rows[0]?.id;
    }
    if (!id) throw new Error(`Execution ${rootId} does not exist`);
    await this.pool.query(
      `UPDATE executions SET pipeline_run_id = $1
        WHERE (id = $2 OR (parent_id = $2 AND trigger = 'fanout')) AND pipeline_run_id IS NULL`,
      [id, rootId],
    );
    return id;
  }

  /** Stamp one execution (a needed run that arrived at a fan-in of another pipeline run keeps its own). */
  async stamp(executionId: string, runId: string): Promise<void> {
    await this.pool.query('UPDATE executions SET pipeline_run_id = $1 WHERE id = $2 AND pipeline_run_id IS NULL', [
      runId,
      executionId,
    ]);
  }

  /** Live counts of a run's executions and waiting fan-ins. */
  async counts(runId: string): Promise<RunCountsRow> {
    const { rows } = await this.pool.query<RunCountsRow>(
      `SELECT ${COUNTS},
              (SELECT count(*)::int FROM fan_in_slots s WHERE s.pipeline_run_id = $1 AND s.state = 'waiting') AS waiting
         FROM executions e WHERE e.pipeline_run_id = $1`,
      [runId],
    );
    return rows[0]!;
  }

  /** Store the derived status (and when it finished) for filtering. */
  async saveStatus(runId: string, status: string, counts: object, finishedAt: Date | null): Promise<void> {
    await this.pool.query(
      `UPDATE pipeline_runs SET status = $2, counts = $3::jsonb, finished_at = $4
        WHERE id = $1 AND (status, counts, finished_at) IS DISTINCT FROM ($2, $3::jsonb, $4::timestamptz)`,
      [runId, status, JSON.stringify(counts), finishedAt],
    );
  }

  async run(runId: string): Promise<RunRow | null> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM pipeline_runs WHERE id = $1', [runId]);
    return rows[0] ?? null;
  }

  /**
   * A page of runs, newest first (keyset on started_at, id), each with live counts. `job`: runs holding an
   * execution of that job; `status`: by the stored status.
   */
  async listRuns(opts: {
    limit: number;
    after?: [string, string];
    job?: string;
    status?: string;
  }): Promise<(RunRow & RunCountsRow)[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (opts.after) where.push(`(r.started_at, r.id) < (${p(opts.after[0])}::timestamptz, ${p(opts.after[1])}::uuid)`);
    if (opts.job)
      where.push(`EXISTS (SELECT 1 FROM executions x WHERE x.pipeline_run_id = r.id AND x.job_name = ${p(opts.job)})`);
    if (opts.status) where.push(`r.status = ${p(opts.status)}`);
    const { rows } = await this.pool.query<RunRow & RunCountsRow>(
      `SELECT r.*, c.*,
              (SELECT count(*)::int FROM fan_in_slots s WHERE s.pipeline_run_id = r.id AND s.state = 'waiting') AS waiting
         FROM pipeline_runs r
         CROSS JOIN LATERAL (SELECT ${COUNTS} FROM executions e WHERE e.pipeline_run_id = r.id) c
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY r.started_at DESC, r.id DESC
        LIMIT ${p(opts.limit + 1)}`,
      params,
    );
    return rows;
  }

  /** The executions of a run (at most GRAPH_NODE_CAP, oldest first). */
  async nodes(runId: string): Promise<NodeRow[]> {
    const { rows } = await this.pool.query<NodeRow>(
      `SELECT id, job_name, trigger, parent_id, status, params, started_at, finished_at, error
         FROM executions WHERE pipeline_run_id = $1
        ORDER BY created_at, id LIMIT ${GRAPH_NODE_CAP}`,
      [runId],
    );
    return rows;
  }

  /** Fan-in slots of a run (for needs edges and waiting nodes). */
  async slotsOfRun(runId: string): Promise<SlotRow[]> {
    const { rows } = await this.pool.query<SlotRow>(
      `SELECT * FROM fan_in_slots WHERE pipeline_run_id = $1 ORDER BY created_at LIMIT ${GRAPH_NODE_CAP}`,
      [runId],
    );
    return rows;
  }

  // --- fan-in slots ---

  /**
   * Record one needed run at the slot of (fan-in job, key), creating the slot (state waiting, deadline from
   * now) on the first arrival. A success already recorded for that job is not replaced by a later failure.
   * A settled slot is returned unchanged (a late arrival).
   */
  async arrive(s: {
    jobId: string;
    jobName: string;
    keyText: string;
    keyNames: string[];
    keyValues: Record<string, unknown>;
    deadlineMs: number;
    runId: string | null;
    neededJob: string;
    arrival: Arrival;
  }): Promise<SlotRow> {
    const { rows } = await this.pool.query<SlotRow>(
      `INSERT INTO fan_in_slots (job_id, job_name, key_text, key_values, deadline_at, pipeline_run_id, arrivals, key_names)
       VALUES ($1, $2, $3, $4::jsonb, now() + $5 * interval '1 millisecond', $6, jsonb_build_object($7::text, $8::jsonb),
               $9::text[])
       ON CONFLICT (job_id, key_text) DO UPDATE SET
         arrivals = CASE
           WHEN fan_in_slots.state <> 'waiting' THEN fan_in_slots.arrivals
           WHEN fan_in_slots.arrivals -> $7::text ->> 'status' = 'succeeded' AND $8::jsonb ->> 'status' <> 'succeeded'
             THEN fan_in_slots.arrivals
           ELSE fan_in_slots.arrivals || EXCLUDED.arrivals END,
         pipeline_run_id = COALESCE(fan_in_slots.pipeline_run_id, EXCLUDED.pipeline_run_id)
       RETURNING *`,
      [
        s.jobId,
        s.jobName,
        s.keyText,
        JSON.stringify(s.keyValues),
        s.deadlineMs,
        s.runId,
        s.neededJob,
        JSON.stringify(s.arrival),
        s.keyNames,
      ],
    );
    return rows[0]!;
  }

  /**
   * The atomic claim: settle a waiting slot as `state`. Exactly one caller (any replica) gets the row; the
   * others get null. Inside `m`'s transaction when given (the fired run is queued in the same one).
   */
  async claim(
    id: string,
    state: Exclude<SlotState, 'waiting'>,
    reason: string | null,
    m?: EntityManager,
  ): Promise<SlotRow | null> {
    const sql = `UPDATE fan_in_slots SET state = $2, reason = $3, settled_at = now()
                  WHERE id = $1 AND state = 'waiting' RETURNING *`;
    const params = [id, state, reason];
    if (m) {
      const r: unknown = await m.query(sql, params);
      const rows = (Array.isArray(r) && Array.isArray(r[0]) ? r[0] : r) as SlotRow[];
      return rows[0] ?? null;
    }
    const { rows } = await this.pool.query<SlotRow>(sql, params);
    return rows[0] ?? null;
  }

  async setExecution(id: string, executionId: string, m?: EntityManager): Promise<void> {
    const sql = 'UPDATE fan_in_slots SET execution_id = $2 WHERE id = $1';
    if (m) await m.query(sql, [id, executionId]);
    else await this.pool.query(sql, [id, executionId]);
  }

  /** Waiting slots whose deadline passed (every replica may look; `claim` decides who settles each). */
  async overdue(limit = 100): Promise<SlotRow[]> {
    const { rows } = await this.pool.query<SlotRow>(
      `SELECT * FROM fan_in_slots WHERE state = 'waiting' AND deadline_at <= now() ORDER BY deadline_at LIMIT $1`,
      [limit],
    );
    return rows;
  }

  /** The slot a fan-in execution was queued by, if any. */
  async slotOfExecution(executionId: string): Promise<SlotRow | null> {
    const { rows } = await this.pool.query<SlotRow>('SELECT * FROM fan_in_slots WHERE execution_id = $1', [
      executionId,
    ]);
    return rows[0] ?? null;
  }

  /** Fan-in jobs (name, needs, id) that need `jobName`. */
  async fanInsNeeding(jobName: string): Promise<{ id: string; name: string }[]> {
    const { rows } = await this.pool.query<{ id: string; name: string }>(
      `SELECT id, name FROM jobs WHERE needs IS NOT NULL AND needs->'jobs' ? $1 ORDER BY name`,
      [jobName],
    );
    return rows;
  }

  async log(executionId: string, level: string, message: string): Promise<void> {
    await this.pool
      .query('INSERT INTO execution_logs (execution_id, level, message) VALUES ($1, $2, $3)', [
        executionId,
        level,
        message,
      ])
      .catch(() => undefined);
  }
}
