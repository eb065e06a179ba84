import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MISSING_KEYS_SQL } from '../src/backfill/backfill.store.js';
import { query } from './helpers/database.js';
import { startHttpTarget, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

// Issue 21: backfill a job over a date range × a device list, with only-missing re-runs.
let app: TestApp;
let target: HttpTarget;
const failing = new Set<string>();
let now = 0;
let max = 0;

const { detail, finished } = runHelpers(() => app, 60_000);
/** `node bin/api-manager.js ...` in its own process against the test server. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH!,
    API_MANAGER_URL: app.baseUrl,
    API_MANAGER_TOKEN: app.authHeaders.authorization!.slice(7),
  };
  return new Promise((resolve) =>
    execFile(process.execPath, ['bin/api-manager.js', ...args], { env, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
    ),
  );
}
interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plan?: PlanNode;
  Plans?: PlanNode[];
  [k: string]: unknown;
}
interface Child {
  trigger: string;
  params: Record<string, string>;
}
const keysOf = (d: { children: Child[] }) => d.children.map((c) => `${c.params.device_id}@${c.params.date}`).sort();

const BODY = {
  job: 'bf-features',
  dates: '2026-11-01..2026-11-02',
  params: { device_id: ['d1', 'd2', 'd3'] },
  parallelism: 2,
};

beforeAll(async () => {
  target = await startHttpTarget();
  target.on('/bf', (req, res) => {
    const q = new URL(req.url, 'http://x').searchParams;
    const key = `${q.get('d')}@${q.get('date')}`;
    now++;
    max = Math.max(max, now);
    setTimeout(() => {
      now--;
      res.writeHead(failing.has(key) ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    }, 100);
  });
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8', WORKER_POLL_MS: '200' });
  const res = await app.api('POST', '/api/v1/jobs', {
    name: 'bf-features',
    timezone: 'Asia/Tokyo',
    executor: {
      kind: 'http',
      url: `${target.url}/bf`,
      query: { d: '{{ params.device_id }}', date: '{{ params.date }}', mode: '{{ params.mode }}' },
    },
    concurrency: { fanOutParallelism: 8 },
    params: [
      { name: 'device_id', type: 'string[]', fanOut: true, required: true },
      { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
      { name: 'mode', type: 'string', default: 'full' },
    ],
  });
  expect(res.status).toBe(201);
});
afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('backfill', () => {
  it('previews the count, runs device × date children within its parallelism, then re-runs only the 2 that failed', async () => {
    const preview = await app.api('POST', '/api/v1/backfills/preview', { ...BODY, onlyMissing: true });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      job: 'bf-features',
      dates: ['2026-11-01', '2026-11-02'],
      total: 6,
      skipped: 0,
      toRun: 6,
    });
    expect(preview.body.sample[0]).toEqual({ device_id: 'd1', date: '2026-11-01' });
    expect(await query(app.db.url, `SELECT 1 FROM executions WHERE job_name = 'bf-features'`)).toHaveLength(0);

    failing.add('d2@2026-11-02').add('d3@2026-11-01');
    const first = await app.api('POST', '/api/v1/backfills', BODY);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ total: 6, skipped: 0, toRun: 6 });
    const d = await finished(first.body.executionId);
    expect(d.status).toBe('partial');
    expect(d.progress).toEqual({ total: 6, done: 6, failed: 2, cancelled: 0 });
    expect(keysOf(d)).toEqual([
      'd1@2026-11-01',
      'd1@2026-11-02',
      'd2@2026-11-01',
      'd2@2026-11-02',
      'd3@2026-11-01',
      'd3@2026-11-02',
    ]);
    expect(d.children.every((c: Child) => c.trigger === 'fanout' && c.params.mode === 'full')).toBe(true);
    expect(d.fanOut).toMatchObject({
      parallelism: 2,
      backfill: {
        dates: '2026-11-01..2026-11-02',
        dateParam: 'date',
        keyParams: ['device_id', 'date'],
        onlyMissing: false,
        total: 6,
        skipped: 0,
      },
    });
    // The backfill's own parallelism (2) won over the job's fanOutParallelism (8), counted at the target.
    expect(max).toBe(2);

    const again = await app.api('POST', '/api/v1/backfills/preview', { ...BODY, onlyMissing: true });
    expect(again.body).toMatchObject({ total: 6, skipped: 4, toRun: 2 });
    expect(again.body.sample).toEqual([
      { device_id: 'd2', date: '2026-11-02' },
      { device_id: 'd3', date: '2026-11-01' },
    ]);

    failing.clear();
    const hitsBefore = target.hits('/bf').length;
    const rerun = await app.api('POST', '/api/v1/backfills', { ...BODY, onlyMissing: true });
    expect(rerun.body).toMatchObject({ total: 6, skipped: 4, toRun: 2 });
    const r = await finished(rerun.body.executionId);
    expect(r.status).toBe('succeeded');
    expect(keysOf(r)).toEqual(['d2@2026-11-02', 'd3@2026-11-01']);
    expect(target.hits('/bf').length - hitsBefore).toBe(2);

    // Everything done: nothing left; the parent succeeds at once with 0 children.
    const none = await app.api('POST', '/api/v1/backfills', { ...BODY, onlyMissing: true });
    expect(none.body).toMatchObject({ total: 6, skipped: 6, toRun: 0 });
    expect((await detail(none.body.executionId)).status).toBe('succeeded');
    // A different fixed value is a different key: nothing is skipped.
    const other = await app.api('POST', '/api/v1/backfills/preview', {
      ...BODY,
      params: { ...BODY.params, mode: 'quick' },
      onlyMissing: true,
    });
    expect(other.body).toMatchObject({ total: 6, skipped: 0, toRun: 6 });
  });

  it('the CLI previews (--dry-run), then backfills with --only-missing and prints progress', async () => {
    const args = [
      'backfill',
      'bf-features',
      '--dates',
      '2026-11-03..2026-11-04',
      '--param',
      'device_id=d1,d2',
      '--parallelism',
      '2',
    ];
    const dry = await cli([...args, '--only-missing', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('4 run(s) in all, 0 already succeeded, 4 to run (dry run, nothing created)');
    expect(dry.stdout).toContain('device_id=d1 date=2026-11-03');
    failing.add('d2@2026-11-04');
    const first = await cli(args);
    expect(first.code).toBe(3);
    expect(first.stdout).toMatch(/partial: 4\/4 done, 1 failed, 0 cancelled/);
    expect(first.stdout).toContain('Finished: partial — 1 of 4 children failed');
    failing.clear();
    const rerun = await cli([...args, '--only-missing']);
    expect(rerun.code).toBe(0);
    expect(rerun.stdout).toContain('4 run(s) in all, 3 already succeeded, 1 to run.');
    expect(rerun.stdout).toMatch(/succeeded: 1\/1 done, 0 failed/);
    const bad = await cli(['backfill', 'bf-features', '--param', 'device_id=d1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('backfill needs --dates');
  });

  it('bad input is a 400 naming the field, and nothing is written', async () => {
    const count = async () => (await query(app.db.url, 'SELECT count(*)::int AS n FROM executions'))[0].n;
    const before = await count();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...BODY, dates: '2026-11-07..2026-11-01' }, /dates must run forward/],
      [{ ...BODY, dates: 'last week' }, /dates must be a date range/],
      [{ ...BODY, params: { device_id: ['d1'], nope: 1 } }, /params.nope is not a parameter/],
      [{ ...BODY, params: {} }, /params.device_id fans out: a backfill needs its items/],
      [{ ...BODY, params: { device_id: ['d1'], date: '2026-11-01' } }, /params.date is the date param/],
      [{ ...BODY, dateParam: 'device_id' }, /dateParam device_id is a string\[\] param/],
      [
        {
          ...BODY,
          params: { device_id: Array.from({ length: 40 }, (_, i) => `d${i}`) },
          dates: '2026-01-01..2026-12-31',
        },
        /make 14600 runs: a backfill creates at most 10000/,
      ],
      [{ ...BODY, parallelism: 0 }, /parallelism must not be less than 1/],
    ];
    for (const [body, message] of cases) {
      const r = await app.api('POST', '/api/v1/backfills', body);
      expect([r.status, JSON.stringify(r.body.message)]).toEqual([400, expect.stringMatching(message)]);
    }
    expect((await app.api('POST', '/api/v1/backfills/preview', { ...BODY, job: 'no-such-job' })).status).toBe(404);
    expect(await count()).toBe(before);
  });

  it('only-missing reads the job succeeded runs through executions_job_status_created_idx, never a whole-table scan', async () => {
    const [job] = await query<{ id: string }>(app.db.url, `SELECT id FROM jobs WHERE name = 'bf-features'`);
    const [other] = await query<{ id: string }>(
      app.db.url,
      `INSERT INTO jobs (name, executor) VALUES ('bf-other', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    await query(
      app.db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, params, run_at, finished_at)
       SELECT CASE WHEN g % 50 = 0 THEN $1::uuid ELSE $2::uuid END, 'x', 'schedule',
              CASE WHEN g % 3 = 0 THEN 'failed' ELSE 'succeeded' END,
              jsonb_build_object('device_id', 'd' || (g % 100), 'date', '2026-10-01'), now(), now()
         FROM generate_series(1, 40000) g`,
      [job!.id, other!.id],
    );
    await query(app.db.url, 'ANALYZE executions');
    const keys = JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ device_id: `d${i}`, date: '2026-10-01' })));
    const rows = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
      app.db.url,
      `EXPLAIN (ANALYZE, FORMAT JSON) ${MISSING_KEYS_SQL}`,
      [job!.id, keys, ['device_id', 'date']],
    );
    const nodes = (function walk(p: PlanNode): PlanNode[] {
      return [p, ...(p.Plans ?? []).flatMap(walk)];
    })(rows[0]!['QUERY PLAN'][0].Plan);
    expect(nodes.some((n) => n['Index Name'] === 'executions_job_status_created_idx')).toBe(true);
    expect(nodes.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'executions')).toBe(false);
  });
});
