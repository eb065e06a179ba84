import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { STATUS_ACTIVE_SQL, STATUS_LAST_SQL, STATUS_STATS_SQL } from '../src/executions/job-status.service.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';

// The dashboard asks for 20 jobs' status at once (GET /jobs/-/status). At 1,000,000 executions the
// statements must read each job's own rows through its indexes, never the whole table: the 7-day
// counts through (job_id, created_at), the last run one backward step per job, the active counts through
// the partial queued/running index.

function planNodes(plan: any): any[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

async function plan(db: TestDatabase, sql: string, args: unknown[]) {
  const rows = await query<{ 'QUERY PLAN': any }>(db.url, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, args);
  return planNodes(rows[0]!['QUERY PLAN'][0].Plan);
}

const EXEC_INDEX = /^executions_/;
/** Nodes that read the executions table or one of its indexes. */
const onExecutions = (nodes: any[]) =>
  nodes.filter((n) => n['Relation Name'] === 'executions' || EXEC_INDEX.test(n['Index Name'] ?? ''));
const seqScan = (nodes: any[]) => nodes.some((n) => n['Node Type'] === 'Seq Scan');

describe('job status plans (batched)', () => {
  let db: TestDatabase;
  let asked: string[];
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
    asked = ids.slice(0, 20);
  }, 120_000);
  afterAll(() => db.drop());

  it('the 7-day counts read the job/created_at index, only the window', async () => {
    const nodes = onExecutions(await plan(db, STATUS_STATS_SQL, [asked]));
    expect(seqScan(nodes)).toBe(false);
    const index = nodes.filter((n) => n['Index Name'] === 'executions_job_created_idx');
    expect(index.length).toBeGreaterThan(0);
    const read = index.reduce((s, n) => s + (n['Actual Rows'] ?? 0) * (n['Actual Loops'] ?? 1), 0);
    // 20 of 60 jobs × ~14,000 rows in the window ≈ 4,700; the whole table is 120,000
    expect(read).toBeLessThan(10_000);
  });

  it('the last run is one short backward walk per job', async () => {
    const nodes = onExecutions(await plan(db, STATUS_LAST_SQL, [asked]));
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
    const nodes = onExecutions(await plan(db, STATUS_ACTIVE_SQL, [asked]));
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_active_idx')).toBe(true);
    expect(seqScan(nodes)).toBe(false);
  });
});
