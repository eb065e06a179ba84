import type { Pool, PoolClient } from 'pg';

/** One execution log row as the event stream and the detail API show it. */
export interface LogRow {
  /** execution_logs.id (bigint as a string): increasing, the cursor of `Last-Event-ID`. */
  id: string;
  executionId: string;
  at: string;
  level: string;
  message: string;
}

interface RawLog {
  id: string;
  execution_id: string;
  at: Date;
  level: string;
  message: string;
}

const toLog = (r: RawLog): LogRow => ({
  id: String(r.id),
  executionId: r.execution_id,
  at: new Date(r.at).toISOString(),
  level: r.level,
  message: r.message,
});

/**
 * The SQL of live output: log lines stamped with the time they happened, the in-flight request of a
 * running attempt, reading lines back for the event stream (live and `Last-Event-ID` replay), and
 * "retry failed children" of a fan-out parent.
 */
export const ExecutionEventsStore = {
  /** Insert lines, each with its own time; returns their ids (in the given order). */
  async insertLogs(
    pool: Pool,
    executionId: string,
    lines: { at: Date; level: string; message: string }[],
  ): Promise<string[]> {
    if (!lines.length) return [];
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO execution_logs (execution_id, at, level, message)
       SELECT $1, x.at, x.l, x.m FROM unnest($2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY AS x(at, l, m, n)
        ORDER BY x.n
       RETURNING id`,
      [executionId, lines.map((l) => l.at), lines.map((l) => l.level), lines.map((l) => l.message.replace(/\0/g, ''))],
    );
    return rows.map((r) => String(r.id));
  },

  /**
   * The attempt's request is on the row while it is in flight (guarded by our lease), and its first log
   * line is written at the time the request is sent. Returns the line's id (null when the lease is no longer ours).
   */
  async requestSent(
    pool: Pool,
    executionId: string,
    owner: string,
    request: unknown,
    line: { at: Date; level: string; message: string },
  ): Promise<string | null> {
    const { rows } = await pool.query<{ id: string }>(
      `WITH u AS (UPDATE executions SET request = $3::jsonb
                   WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id)
       INSERT INTO execution_logs (execution_id, at, level, message)
       SELECT u.id, $4, $5, $6 FROM u RETURNING id`,
      [executionId, owner, JSON.stringify(request), line.at, line.level, line.message],
    );
    return rows[0] ? String(rows[0].id) : null;
  },

  /** The request of a running attempt (a command's script, env, checkout), guarded by our lease. */
  async setRequest(pool: Pool, executionId: string, owner: string, request: unknown): Promise<void> {
    await pool.query(
      `UPDATE executions SET request = $3::jsonb WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
      [executionId, owner, JSON.stringify(request)],
    );
  },

  /** Lines of one execution after `afterId` (exclusive), oldest first, at most `limit`. */
  async logsOf(pool: Pool, executionId: string, afterId: string, limit: number): Promise<LogRow[]> {
    const { rows } = await pool.query<RawLog>(
      `SELECT id, execution_id, at, level, message FROM execution_logs
        WHERE execution_id = $1 AND id > $2::bigint ORDER BY id LIMIT $3`,
      [executionId, afterId, limit],
    );
    return rows.map(toLog);
  },

  /** Lines of every execution after `afterId` (exclusive), oldest first, at most `limit` (resume of the stream). */
  async logsAfter(pool: Pool, afterId: string, limit: number): Promise<(LogRow & { jobName: string })[]> {
    const { rows } = await pool.query<RawLog & { job_name: string }>(
      `SELECT l.id, l.execution_id, l.at, l.level, l.message, e.job_name
         FROM execution_logs l JOIN executions e ON e.id = l.execution_id
        WHERE l.id > $1::bigint ORDER BY l.id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map((r) => ({ ...toLog(r), jobName: r.job_name }));
  },

  /** The newest log id (the cursor a new stream starts from). */
  async lastLogId(pool: Pool): Promise<string> {
    const { rows } = await pool.query<{ id: string | null }>('SELECT max(id)::text AS id FROM execution_logs');
    return rows[0]?.id ?? '0';
  },

  async jobNameOf(pool: Pool, executionId: string): Promise<string | null> {
    const { rows } = await pool.query<{ job_name: string }>('SELECT job_name FROM executions WHERE id = $1', [
      executionId,
    ]);
    return rows[0]?.job_name ?? null;
  },

  /**
   * Retry failed children of a fan-out parent, in `c`'s transaction: lock the parent (a second retry waits,
   * then finds it running), queue one new child per failed/timed_out/lost child that was not retried yet
   * (same params, `retry_of` = the failed child), and put the parent back to running with those children's
   * slots taken out of its progress (done and failed counts go down by the number re-run).
   */
  async retryFailedChildren(
    c: PoolClient,
    parentId: string,
    actor: string | null,
  ): Promise<{ parent: 'missing' | 'not_fanout' | 'busy' | 'none' | 'ok'; status?: string; ids: string[] }> {
    const { rows: parents } = await c.query<{ status: string; children_total: number; trigger: string }>(
      'SELECT status, children_total, trigger FROM executions WHERE id = $1 FOR UPDATE',
      [parentId],
    );
    const p = parents[0];
    if (!p) return { parent: 'missing', ids: [] };
    if (!(p.children_total > 0)) return { parent: 'not_fanout', ids: [] };
    if (p.status === 'queued' || p.status === 'running') return { parent: 'busy', status: p.status, ids: [] };
    const { rows } = await c.query<{ id: string }>(
      `INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, parent_id, retry_of, params,
                               max_attempts, run_at, created_at, push)
       SELECT f.job_id, f.job_name, 'fanout', f.trigger_ref, $2, f.parent_id, f.id, f.params, f.max_attempts, now(),
              clock_timestamp(), f.push
         FROM executions f
        WHERE f.parent_id = $1 AND f.trigger = 'fanout' AND f.status IN ('failed', 'timed_out', 'lost')
          AND NOT EXISTS (SELECT 1 FROM executions r WHERE r.parent_id = $1 AND r.retry_of = f.id)
        ORDER BY f.created_at, f.id
       RETURNING id`,
      [parentId, actor],
    );
    if (!rows.length) return { parent: 'none', status: p.status, ids: [] };
    await c.query(
      `UPDATE executions SET status = 'running', finished_at = NULL, duration_ms = NULL, error = NULL,
              cancel_requested = false,
              children_done = GREATEST(children_done - $2, 0), children_failed = GREATEST(children_failed - $2, 0)
        WHERE id = $1`,
      [parentId, rows.length],
    );
    return { parent: 'ok', ids: rows.map((r) => r.id) };
  },

  /** How many children a "retry failed" would re-run now. */
  async failedChildrenCount(pool: Pool, parentId: string): Promise<number> {
    const { rows } = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM executions f
        WHERE f.parent_id = $1 AND f.trigger = 'fanout' AND f.status IN ('failed', 'timed_out', 'lost')
          AND NOT EXISTS (SELECT 1 FROM executions r WHERE r.parent_id = $1 AND r.retry_of = f.id)`,
      [parentId],
    );
    return rows[0]?.n ?? 0;
  },
};
