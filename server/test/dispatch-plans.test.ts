import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { CLAIM_PLAN, COMPLETION_SQL, FAST_CLAIM_SQL } from '../src/executions/queue.store.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { planNodes, type PlanNode } from './helpers/sql-capture.js';

// Issue 19's regression: on a table without statistics for its rows (never analyzed, or analyzed
// before the burst) the planner estimated ~2 due rows and made the claim a bitmap scan of the whole
// backlog plus a Sort, every claim (O(n²) over a burst; at 1 worker one claim per row). The claim must read only the rows it takes, and a result write only the rows
// it writes, whatever the statistics say. EXPLAIN ANALYZE of the statements the queue sends, rolled back.

const EXEC_INDEX = /^executions_/;
/** Scan nodes that read the executions table or one of its indexes. */
const onExecutions = (nodes: PlanNode[]) =>
  nodes.filter(
    (n) =>
      n['Node Type'] !== 'ModifyTable' &&
      (n['Relation Name'] === 'executions' || EXEC_INDEX.test(n['Index Name'] ?? '')),
  );
const rowsRead = (n: PlanNode) => (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1);

/** EXPLAIN ANALYZE `sql` in a transaction (with `settings`), rolled back: the plan's nodes. */
async function explainRolledBack(url: string, settings: string, sql: string, values: unknown[]): Promise<PlanNode[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`BEGIN; ${settings}`);
    const { rows } = await c.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      values,
    );
    return planNodes(rows[0]!['QUERY PLAN'][0]!.Plan);
  } finally {
    await c.query('ROLLBACK').catch(() => undefined);
    await c.end();
  }
}

describe('dispatch plans during a burst on a never-analyzed table', () => {
  let db: TestDatabase;
  let jobId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    await query(db.url, 'ALTER TABLE executions SET (autovacuum_enabled = false)');
    const [job] = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor) VALUES ('plan', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    jobId = job!.id;
    // A burst on a table not analyzed yet (a new install, a new partition): 20,000 rows queued by one
    // statement (one run_at), 200 running.
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger) SELECT $1, 'plan', 'api' FROM generate_series(1, 20000)`,
      [jobId],
    );
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, lease_owner, lease_until, started_at)
       SELECT $1, 'plan', 'api', 'running', 'plan-owner', now() + interval '1 minute', now()
         FROM generate_series(1, 200)`,
      [jobId],
    );
  }, 120_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('the claim reads the 200 rows it takes through executions_claim_idx in order (no Sort, no bitmap of the backlog)', async () => {
    const nodes = await explainRolledBack(db.url, CLAIM_PLAN, FAST_CLAIM_SQL, [200, [], [], 'plan-claimer', 30000]);
    const claimScan = nodes.find((n) => n['Index Name'] === 'executions_claim_idx');
    expect(claimScan?.['Node Type']).toBe('Index Scan');
    expect(nodes.filter((n) => n['Node Type'] === 'Sort')).toEqual([]);
    expect(nodes.filter((n) => /Bitmap|Seq Scan/.test(n['Node Type']) && onExecutions([n]).length)).toEqual([]);
    // Each scan of executions reads at most the rows claimed, not the 20,000 queued.
    for (const n of onExecutions(nodes)) expect(rowsRead(n)).toBeLessThanOrEqual(200);
  });

  it('a result write reads only the rows it writes (by primary key, not every running row)', async () => {
    const running = await query<{ id: string }>(
      db.url,
      `SELECT id FROM executions WHERE status = 'running' ORDER BY id LIMIT 2`,
    );
    const ids = running.map((r) => r.id);
    const data = JSON.stringify(
      ids.map((id) => ({
        id,
        owner: 'plan-owner',
        retry: false,
        delayMs: 0,
        status: 'succeeded',
        request: { method: 'POST' },
        response: { status: 200 },
        error: null,
        entry: { attempt: 1, status: 'succeeded' },
        levels: ['info'],
        messages: ['done'],
      })),
    );
    const nodes = await explainRolledBack(db.url, '', COMPLETION_SQL, [data, ids]);

    const update = nodes.find((n) => n['Node Type'] === 'ModifyTable' && n['Relation Name'] === 'executions');
    expect(rowsRead(update!)).toBe(2);
    const scans = onExecutions(nodes);
    expect(scans.some((n) => n['Index Name'] === 'executions_pkey')).toBe(true);
    for (const n of scans) expect(rowsRead(n)).toBeLessThanOrEqual(2);
  });
});
