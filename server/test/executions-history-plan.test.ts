import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { captureSql, explainNodes, type SentStatement } from './helpers/sql-capture.js';

// Found by chaos scale (1,000,000 executions): GET /executions?trigger=<rare or absent trigger> walked the
// whole created_at index, filtering every row; ?job=&status= ANDed two whole indexes and sorted. The
// statements EXPLAINed are the list queries the server sends for those requests (captured from its pg
// client, text and values unchanged), not copies.

/** The one history-list statement the server sends to answer GET `path`. */
async function listStatement(app: TestApp, path: string): Promise<SentStatement> {
  const sent = await captureSql(/\bFROM executions\b[\s\S]*ORDER BY created_at DESC, id DESC/, async () => {
    const res = await app.api('GET', path);
    expect(res.status).toBe(200);
  });
  expect(sent).toHaveLength(1);
  return sent[0]!;
}

describe('executions history plans', () => {
  let db: TestDatabase;
  let app: TestApp;
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
    app = await startTestApp({ WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' }, db);
  });
  afterAll(async () => {
    await app?.close();
    await db.drop();
  });

  it.each([['fanout'], ['retry']])(
    'a filter on a rare trigger (%s) reads its index, not every row',
    async (trigger) => {
      const sent = await listStatement(app, `/api/v1/executions?trigger=${trigger}`);
      expect(sent.values).toContain(trigger);
      const nodes = await explainNodes(db.url, sent);
      expect(nodes.some((n) => n['Index Name'] === 'executions_trigger_created_idx')).toBe(true);
      expect(nodes.some((n) => String(n['Node Type']).includes('Seq Scan'))).toBe(false);
      const removed = nodes.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0);
      expect(removed).toBeLessThan(1000);
    },
  );

  it('a filter on a job and a status reads one index in order (no bitmap AND, no sort)', async () => {
    const sent = await listStatement(app, '/api/v1/executions?job=plan&status=cancelled');
    expect(sent.values).toContain('cancelled');
    const nodes = await explainNodes(db.url, sent);
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_status_created_idx')).toBe(true);
    expect(nodes.some((n) => ['Sort', 'BitmapAnd', 'Seq Scan'].includes(n['Node Type']))).toBe(false);
  });
});
