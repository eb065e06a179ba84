import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { UPCOMING_ITEMS_MAX } from '@api-manager/contracts';
import pg from 'pg';
import { query } from './helpers/database.js';
import { startHttpTarget, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

// The job page (GET /jobs/:name/overview), the upcoming-runs timeline (GET /schedules/upcoming) and the
// history's param filter and fan-out item (GET /executions?param=), against real Postgres.

let app: TestApp;
let target: HttpTarget;
const { createJob, finished } = runHelpers(() => app);

async function schedule(job: string, cron: string, timezone: string, name?: string) {
  const res = await app.api('POST', '/api/v1/schedules', { job, cron, timezone, ...(name ? { name } : {}) });
  if (res.status !== 201) throw new Error(`schedule: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

beforeAll(async () => {
  target = await startHttpTarget();
  target.on('/ok', (_req, res) => res.end('ok'));
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_POLL_MS: '200' });
  await createJob({ name: 'ov-next', executor: { kind: 'http', url: `${target.url}/ok` } });
  await createJob({
    name: 'ov-main',
    executor: { kind: 'http', url: `${target.url}/ok` },
    onSuccess: [{ job: 'ov-next' }],
    onFailure: [{ job: 'ov-next' }],
  });
  await createJob({
    name: 'ov-up',
    executor: { kind: 'http', url: `${target.url}/ok` },
    onSuccess: [{ job: 'ov-main' }],
  });
  const [main] = await query<{ id: string }>(app.db.url, `SELECT id FROM jobs WHERE name = 'ov-main'`);
  // History the workers never touch. Today-ish (2 h ago): 2 succeeded (100, 300 ms), 1 failed (500 ms);
  // 3 days ago: 1 succeeded (1000 ms), 1 cancelled (neither); 10 days ago: 1 failed (2000 ms), 1 succeeded
  // (3000 ms); 40 days ago: 1 succeeded (outside every window); and a fan-out child (never a run).
  await query(
    app.db.url,
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms)
     SELECT $1, 'ov-main', t, s, now() - d, now() - d, now() - d, now() - d + make_interval(secs => ms / 1000.0), ms
       FROM (VALUES ('api', 'succeeded', interval '2 hours', 100), ('api', 'succeeded', interval '2 hours', 300),
                    ('api', 'failed', interval '2 hours', 500), ('api', 'succeeded', interval '3 days', 1000),
                    ('api', 'cancelled', interval '3 days', 50), ('api', 'failed', interval '10 days', 2000),
                    ('api', 'succeeded', interval '10 days', 3000), ('api', 'succeeded', interval '40 days', 9000),
                    ('fanout', 'failed', interval '2 hours', 7000)) v(t, s, d, ms)`,
    [main!.id],
  );
  await schedule('ov-main', '10 * * * *', 'Asia/Tokyo', 'tokyo');
  await schedule('ov-main', '40 9 * * *', 'America/New_York', 'ny');
}, 120_000);

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('GET /api/v1/jobs/:idOrName/overview', () => {
  it('counts top-level runs of 7 and 30 days and gives one duration point per day', async () => {
    const res = await app.api('GET', '/api/v1/jobs/ov-main/overview?timezone=UTC');
    expect(res.status).toBe(200);
    const o = res.body;
    expect(o.job).toBe('ov-main');
    expect(o.successRate.last7d).toEqual({ days: 7, succeeded: 3, failed: 1, rate: 0.75 });
    expect(o.successRate.last30d).toEqual({ days: 30, succeeded: 4, failed: 2, rate: 4 / 6 });
    // 2 h ago may be yesterday in UTC: 3 or 4 days carry runs (10 days ago, 3 days ago, today or yesterday).
    expect(o.durations).toHaveLength(3);
    const last = o.durations[o.durations.length - 1];
    expect(last).toMatchObject({ runs: 3, failed: 1, p50Ms: 300, maxMs: 500 });
    expect(o.durations[0]).toMatchObject({ runs: 2, failed: 1, p50Ms: 2500, maxMs: 3000 });
    const days = o.durations.map((d: { day: string }) => d.day);
    expect([...days].sort()).toEqual(days);
    expect(o.timezone).toBe('UTC');
  });

  it('lists the next 5 runs over all the job’s schedules, in time order, each in its zone', async () => {
    const o = (await app.api('GET', '/api/v1/jobs/ov-main/overview')).body;
    expect(o.nextRuns).toHaveLength(5);
    const at = o.nextRuns.map((r: { at: string }) => Date.parse(r.at));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(at[0]).toBeGreaterThan(Date.now() - 1000);
    for (const r of o.nextRuns) {
      if (r.scheduleName === 'tokyo') {
        expect(r.timezone).toBe('Asia/Tokyo');
        expect(r.local).toMatch(/^\d{4}-\d\d-\d\dT\d\d:10:00\+09:00$/);
      } else {
        expect(r.timezone).toBe('America/New_York');
        expect(r.local).toMatch(/T09:40:00-0[45]:00$/);
      }
      expect(new Date(r.at).getTime()).toBe(new Date(r.local).getTime());
    }
  });

  it('shows chain edges in (jobs that start it) and out (jobs it starts)', async () => {
    const o = (await app.api('GET', '/api/v1/jobs/ov-main/overview')).body;
    expect(o.chain.upstream).toEqual([{ job: 'ov-up', on: 'success' }]);
    expect(o.chain.downstream).toEqual([
      { job: 'ov-next', on: 'success' },
      { job: 'ov-next', on: 'failure' },
    ]);
    const next = (await app.api('GET', '/api/v1/jobs/ov-next/overview')).body;
    expect(next.chain.upstream).toEqual([
      { job: 'ov-main', on: 'success' },
      { job: 'ov-main', on: 'failure' },
    ]);
    expect(next.nextRuns).toEqual([]);
    expect(next.successRate.last30d).toEqual({ days: 30, succeeded: 0, failed: 0, rate: null });
    expect(next.durations).toEqual([]);
  });

  it('404 for an unknown job, 400 for a bad zone', async () => {
    expect((await app.api('GET', '/api/v1/jobs/no-such-job/overview')).status).toBe(404);
    const bad = await app.api('GET', '/api/v1/jobs/ov-main/overview?timezone=Mars/Olympus');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('timezone must be an IANA time zone');
  });
});

describe('GET /api/v1/schedules/upcoming', () => {
  it('staggered schedules across zones, collisions in the same minute, zone offsets', async () => {
    await createJob({ name: 'wm-a', executor: { kind: 'http', url: `${target.url}/ok` } });
    await createJob({ name: 'wm-b', executor: { kind: 'http', url: `${target.url}/ok` } });
    await createJob({ name: 'wm-c', executor: { kind: 'http', url: `${target.url}/ok` } });
    await createJob({ name: 'wm-d', executor: { kind: 'http', url: `${target.url}/ok` } });
    await schedule('wm-a', '10 * * * *', 'Asia/Tokyo');
    await schedule('wm-b', '20 * * * *', 'Europe/Berlin');
    await schedule('wm-c', '30 * * * *', 'America/New_York');
    await schedule('wm-d', '10 * * * *', 'UTC');
    const res = await app.api('GET', '/api/v1/schedules/upcoming?hours=6');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ hours: 6, capped: false, cap: UPCOMING_ITEMS_MAX });
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBe(6 * 3_600_000);
    const items = res.body.items as { at: string; local: string; job: string; timezone: string }[];
    const at = items.map((i) => Date.parse(i.at));
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const of = (job: string) => items.filter((i) => i.job === job);
    for (const [job, minute] of [
      ['wm-a', 10],
      ['wm-b', 20],
      ['wm-c', 30],
      ['wm-d', 10],
    ] as const) {
      expect(of(job)).toHaveLength(6);
      for (const i of of(job)) expect(new Date(i.at).getUTCMinutes()).toBe(minute);
    }
    expect(of('wm-a')[0]!.local).toMatch(/:10:00\+09:00$/);
    expect(of('wm-c')[0]!.local).toMatch(/:30:00-0[45]:00$/);
    // wm-a (Tokyo) and wm-d (UTC) collide every hour at :10.
    expect(of('wm-a').map((i) => i.at)).toEqual(of('wm-d').map((i) => i.at));
    // Disabled jobs and paused schedules have no upcoming runs.
    const d = (await app.api('GET', '/api/v1/jobs/wm-d')).body;
    expect((await app.api('PATCH', '/api/v1/jobs/wm-d', { enabled: false, version: d.version })).status).toBe(200);
    const after = (await app.api('GET', '/api/v1/schedules/upcoming?hours=6')).body.items as { job: string }[];
    expect(after.filter((i) => i.job === 'wm-d')).toHaveLength(0);
    expect(after.filter((i) => i.job === 'wm-a')).toHaveLength(6);
  });

  it('caps the list and says so', async () => {
    await createJob({ name: 'wm-often', executor: { kind: 'http', url: `${target.url}/ok` } });
    // Starts in an hour (the ticker fires nothing during the test); 5 h of every-second slots pass the cap.
    const res = await app.api('POST', '/api/v1/schedules', {
      job: 'wm-often',
      intervalSeconds: 1,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(res.status).toBe(201);
    const up = (await app.api('GET', '/api/v1/schedules/upcoming?hours=6')).body;
    expect(up.capped).toBe(true);
    expect(up.items).toHaveLength(UPCOMING_ITEMS_MAX);
    expect(up.items.filter((i: { job: string }) => i.job === 'wm-a').length).toBeGreaterThanOrEqual(1);
    expect((await app.api('DELETE', `/api/v1/schedules/${res.body.id}`)).status).toBe(204);
  });

  it('400 with a clear message for hours out of range or not a number', async () => {
    for (const h of ['0', '49', 'abc', '1.5']) {
      const res = await app.api('GET', `/api/v1/schedules/upcoming?hours=${h}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('hours must be a whole number of hours, 1 to 48');
    }
  });
});

describe('GET /api/v1/executions?param=name:value', () => {
  it('finds fan-out children by their item and the parent by its list; children carry fanOutItem', async () => {
    await createJob({
      name: 'ov-fan',
      executor: { kind: 'http', url: `${target.url}/ok`, query: { d: '{{ params.device_id }}' } },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'n', type: 'number', default: 3 },
      ],
    });
    const run = await app.api('POST', '/api/v1/jobs/ov-fan/runs', { params: { device_id: ['dev-a', 'dev-b'] } });
    expect(run.status).toBe(202);
    const parentId = run.body.execution.id as string;
    await finished(parentId, 15_000);
    const res = await app.api('GET', '/api/v1/executions?job=ov-fan&param=device_id:dev-a');
    expect(res.status).toBe(200);
    const items = res.body.items as {
      id: string;
      trigger: string;
      fanOutItem?: { param: string; value: string } | null;
    }[];
    expect(items.map((i) => i.trigger).sort()).toEqual(['api', 'fanout']);
    const child = items.find((i) => i.trigger === 'fanout')!;
    expect(child.fanOutItem).toEqual({ param: 'device_id', value: 'dev-a' });
    expect(items.find((i) => i.id === parentId)!.fanOutItem).toBeNull();

    const all = (await app.api('GET', '/api/v1/executions?job=ov-fan')).body.items as typeof items;
    expect(all).toHaveLength(3);
    expect(
      all
        .filter((i) => i.trigger === 'fanout')
        .map((i) => i.fanOutItem?.value)
        .sort(),
    ).toEqual(['dev-a', 'dev-b']);

    // A number param matches its number; two filters must both match; no match is an empty page.
    expect((await app.api('GET', '/api/v1/executions?job=ov-fan&param=n:3')).body.items).toHaveLength(3);
    expect(
      (await app.api('GET', '/api/v1/executions?job=ov-fan&param=n:3&param=device_id:dev-b')).body.items,
    ).toHaveLength(2);
    expect((await app.api('GET', '/api/v1/executions?param=device_id:nope')).body.items).toEqual([]);
  });

  it('400 naming the shape for a malformed filter', async () => {
    for (const p of ['device_id', ':abc', 'device-id:abc', '1x:abc', 'device_id:']) {
      const res = await app.api('GET', `/api/v1/executions?param=${encodeURIComponent(p)}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('param must be name:value');
    }
  });

  it('the filter uses the params GIN index', async () => {
    const c = new pg.Client({ connectionString: app.db.url });
    await c.connect();
    try {
      // Few rows here: forbid the sequential scan so the plan shows whether the index can answer at all.
      await c.query('SET enable_seqscan = off');
      const { rows } = await c.query(
        `EXPLAIN (FORMAT JSON) SELECT id FROM executions WHERE params @> '{"device_id":"dev-a"}'::jsonb`,
      );
      expect(JSON.stringify(rows)).toContain('executions_params_gin');
    } finally {
      await c.end();
    }
  });
});
