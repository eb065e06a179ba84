import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';

// Found by chaos scale (1,000,000 executions): GET /executions?trigger=<rare or absent trigger> walked the
// whole created_at index, filtering every row; ?job=&status= ANDed two whole indexes and sorted. The list
// query's shapes, as ExecutionsQueryService sends them (one value: plain equality).
const LIST_BY_TRIGGER = `SELECT id, job_name, status, created_at FROM executions
  WHERE trigger = $1 ORDER BY created_at DESC, id DESC LIMIT 51`;
const LIST_BY_JOB_AND_STATUS = `SELECT id, job_name, status, created_at FROM executions
  WHERE job_id = $1 AND status = $2 ORDER BY created_at DESC, id DESC LIMIT 51`;

function planNodes(plan: any): any[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

describe('executions history plans', () => {
  let db: TestDatabase;
  let jobId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    const [job] = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor) VALUES ('plan', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    const [other] = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor) VALUES ('other', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    jobId = job!.id;
    // 50,000 rows over 20 jobs' worth of history: 1 in 20 is this job's, 1.5% are cancelled
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, finished_at)
       SELECT CASE WHEN g % 20 = 0 THEN $1::uuid ELSE $2::uuid END, 'plan',
              CASE WHEN g % 1000 = 0 THEN 'retry' ELSE 'schedule' END,
              CASE WHEN g % 1000 < 15 THEN 'cancelled' ELSE 'succeeded' END,
              now() - g * interval '1 second', now() - g * interval '1 second', now()
         FROM generate_series(1, 50000) g`,
      [job!.id, other!.id],
    );
    await query(db.url, 'ANALYZE executions');
  });
  afterAll(() => db.drop());

  it.each([['fanout'], ['retry']])(
    'a filter on a rare trigger (%s) reads its index, not every row',
    async (trigger) => {
      const rows = await query<{ 'QUERY PLAN': any }>(db.url, `EXPLAIN (ANALYZE, FORMAT JSON) ${LIST_BY_TRIGGER}`, [
        trigger,
      ]);
      const nodes = planNodes(rows[0]!['QUERY PLAN'][0].Plan);
      expect(nodes.some((n) => n['Index Name'] === 'executions_trigger_created_idx')).toBe(true);
      expect(nodes.some((n) => String(n['Node Type']).includes('Seq Scan'))).toBe(false);
      const removed = nodes.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0);
      expect(removed).toBeLessThan(1000);
    },
  );

  it('a filter on a job and a status reads one index in order (no bitmap AND, no sort)', async () => {
    const rows = await query<{ 'QUERY PLAN': any }>(
      db.url,
      `EXPLAIN (ANALYZE, FORMAT JSON) ${LIST_BY_JOB_AND_STATUS}`,
      [jobId, 'cancelled'],
    );
    const nodes = planNodes(rows[0]!['QUERY PLAN'][0].Plan);
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_status_created_idx')).toBe(true);
    expect(nodes.some((n) => ['Sort', 'BitmapAnd', 'Seq Scan'].includes(n['Node Type']))).toBe(false);
  });
});
