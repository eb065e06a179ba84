import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { captureSql, explainNodes, type PlanNode, type SentStatement } from './helpers/sql-capture.js';

// The dashboard asks for 20 jobs' status at once (GET /jobs/-/status). At 1,000,000 executions the
// statements must read each job's own rows through its indexes, never the whole table: the 7-day
// counts through (job_id, created_at), the last run one backward step per job, the active counts through
// the partial queued/running index. The statements EXPLAINed are the ones the server sends for
// GET /jobs/-/status (captured from its pg client, text and values unchanged), not copies.

const EXEC_INDEX = /^executions_/;
/** Nodes that read the executions table or one of its indexes. */
const onExecutions = (nodes: PlanNode[]) =>
  nodes.filter((n) => n['Relation Name'] === 'executions' || EXEC_INDEX.test(n['Index Name'] ?? ''));
const seqScan = (nodes: PlanNode[]) => nodes.some((n) => n['Node Type'] === 'Seq Scan');

describe('job status plans (batched)', () => {
  let db: TestDatabase;
  let app: TestApp;
  /** The statements of one GET /jobs/-/status?names=<20 jobs>, by what they read. */
  const sent: Record<'active' | 'stats' | 'last', SentStatement> = {} as never;
  beforeAll(async () => {
    db = await createTestDatabase();
    // 60 jobs, 120,000 executions over 60 days (one every 43 s): ~14,000 in the last 7 days; a few
    // queued and running rows. The dashboard asks for 20 of the jobs.
    const jobs = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor)
       SELECT 'plan-' || g, '{"kind":"http","url":"http://127.0.0.1:1/"}' FROM generate_series(1, 60) g RETURNING id`,
    );
    const ids = jobs.map((j) => j.id);
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms)
       SELECT ($1::uuid[])[1 + g % 60], 'plan', CASE WHEN (g / 60) % 10 = 0 THEN 'fanout' ELSE 'schedule' END,
              CASE WHEN g % 500 = 0 THEN 'queued' WHEN g % 501 = 0 THEN 'running'
                   WHEN g % 7 = 0 THEN 'failed' ELSE 'succeeded' END,
              now() - g * interval '43 seconds', now() - g * interval '43 seconds',
              now() - g * interval '43 seconds', now() - g * interval '43 seconds' + interval '1 second', 1000
         FROM generate_series(1, 120000) g`,
      [ids],
    );
    await query(db.url, 'ANALYZE executions');
    app = await startTestApp({ WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' }, db);
    const names = Array.from({ length: 20 }, (_, i) => `plan-${i + 1}`).join(',');
    const statements = await captureSql(/\bFROM executions\b/, async () => {
      const res = await app.api('GET', `/api/v1/jobs/-/status?names=${names}`);
      expect(res.status).toBe(200);
      expect(res.body.items).toHaveLength(20);
    });
    const one = (marker: RegExp) => {
      const found = statements.filter((s) => marker.test(s.text));
      expect(found).toHaveLength(1);
      // One parameter: the 20 jobs' ids.
      expect(found[0]!.values).toHaveLength(1);
      expect(new Set(found[0]!.values[0] as string[]).size).toBe(20);
      return found[0]!;
    };
    sent.active = one(/status IN \('queued', ?'running'\)/);
    sent.stats = one(/percentile_cont/);
    sent.last = one(/CROSS JOIN LATERAL/);
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it('the 7-day counts read the job/created_at index, only the window', async () => {
    const nodes = onExecutions(await explainNodes(db.url, sent.stats));
    expect(seqScan(nodes)).toBe(false);
    const index = nodes.filter((n) => n['Index Name'] === 'executions_job_created_idx');
    expect(index.length).toBeGreaterThan(0);
    const read = index.reduce((s, n) => s + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
    // 20 of 60 jobs × ~14,000 rows in the window ≈ 4,700; the whole table is 120,000
    expect(read).toBeLessThan(10_000);
  });

  it('the last run is one short backward walk per job', async () => {
    const nodes = onExecutions(await explainNodes(db.url, sent.last));
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_created_idx')).toBe(true);
    expect(seqScan(nodes) || nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    // (EXPLAIN shows rows and removed rows per loop)
    const read = nodes.reduce(
      (s, n) => s + ((n['Actual Rows'] ?? 0) + (n['Rows Removed by Filter'] ?? 0)) * (n['Actual Loops'] ?? 1),
      0,
    );
    expect(read).toBeLessThan(20 * 50);
  });

  it('the queued/running counts read the partial active index', async () => {
    const nodes = onExecutions(await explainNodes(db.url, sent.active));
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_active_idx')).toBe(true);
    expect(seqScan(nodes)).toBe(false);
  });
});
