import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';

// Found by chaos scale (1,000,000 executions): GET /executions?trigger=<rare or absent trigger> walked the
// whole created_at index, filtering every row. The list query's shape, as ExecutionsQueryService sends it.
const LIST_BY_TRIGGER = `SELECT id, job_name, status, created_at FROM executions
  WHERE trigger = ANY($1::text[]) ORDER BY created_at DESC, id DESC LIMIT 51`;

function planNodes(plan: any): any[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

describe('executions history plans', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    const [job] = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor) VALUES ('plan', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, finished_at)
       SELECT $1, 'plan', CASE WHEN g % 1000 = 0 THEN 'retry' ELSE 'schedule' END, 'succeeded',
              now() - g * interval '1 second', now() - g * interval '1 second', now()
         FROM generate_series(1, 50000) g`,
      [job!.id],
    );
    await query(db.url, 'ANALYZE executions');
  });
  afterAll(() => db.drop());

  it.each([['fanout'], ['retry']])(
    'a filter on a rare trigger (%s) reads its index, not every row',
    async (trigger) => {
      const rows = await query<{ 'QUERY PLAN': any }>(db.url, `EXPLAIN (ANALYZE, FORMAT JSON) ${LIST_BY_TRIGGER}`, [
        [trigger],
      ]);
      const nodes = planNodes(rows[0]!['QUERY PLAN'][0].Plan);
      expect(nodes.some((n) => n['Index Name'] === 'executions_trigger_created_idx')).toBe(true);
      expect(nodes.some((n) => String(n['Node Type']).includes('Seq Scan'))).toBe(false);
      const removed = nodes.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0);
      expect(removed).toBeLessThan(1000);
    },
  );
});
