import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JOB_STATUS_BATCH_MAX } from '@api-manager/contracts';
import { query } from './helpers/database.js';
import { startHttpTarget, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

// GET /api/v1/jobs/-/status?names=a,b answers, for each job, exactly what GET /jobs/:name/status answers
// (runs counted once per top-level run, fan-out children apart, no next run for a disabled job).

let app: TestApp;
let target: HttpTarget;

const { createJob, runToEnd } = runHelpers(() => app, 15_000);

const single = async (name: string) => {
  const res = await app.api('GET', `/api/v1/jobs/${name}/status`);
  expect(res.status).toBe(200);
  return res.body;
};

const JOBS = ['st-plain', 'st-fan', 'st-off', 'st-idle', 'st-history'];

beforeAll(async () => {
  target = await startHttpTarget();
  target.on('/ok', (_req, res) => res.end('ok'));
  target.on('/bad', (_req, res) => {
    res.statusCode = 500;
    res.end('no');
  });
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8', WORKER_POLL_MS: '200' });

  await createJob({ name: 'st-plain', executor: { kind: 'http', url: `${target.url}/ok` } });
  await createJob({ name: 'st-bad', executor: { kind: 'http', url: `${target.url}/bad` } });
  await createJob({
    name: 'st-fan',
    executor: { kind: 'http', url: `${target.url}/ok`, query: { i: '{{ params.item }}' } },
    params: [{ name: 'item', type: 'string[]', fanOut: true, required: true }],
  });
  await createJob({ name: 'st-off', executor: { kind: 'http', url: `${target.url}/ok` } });
  await createJob({ name: 'st-idle', executor: { kind: 'http', url: `${target.url}/ok` } });
  await createJob({ name: 'st-history', executor: { kind: 'http', url: `${target.url}/ok` } });

  await runToEnd('st-plain', { params: {} });
  await runToEnd('st-plain', { params: {} });
  await runToEnd('st-fan', { params: { item: ['a', 'b', 'c'] } });
  await runToEnd('st-off', { params: {} });
  for (const job of ['st-plain', 'st-off']) {
    expect((await app.api('POST', '/api/v1/schedules', { job, cron: '0 0 * * *' })).status).toBe(201);
  }
  const off = (await app.api('GET', '/api/v1/jobs/st-off')).body;
  expect((await app.api('PATCH', '/api/v1/jobs/st-off', { enabled: false, version: off.version })).status).toBe(200);

  // History the workers never touch: finished rows 3 and 10 days old (7-day window, not 24 h; outside),
  // a failed fan-out child, a queued row due next year and a running row with a long lease.
  const [h] = await query<{ id: string }>(app.db.url, `SELECT id FROM jobs WHERE name = 'st-history'`);
  await query(
    app.db.url,
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms)
     SELECT $1, 'st-history', t, s, now() - d, now() - d, now() - d, now() - d + interval '1 second', 1000 * g
       FROM (VALUES (1, 'api', 'succeeded', interval '3 days'), (2, 'api', 'failed', interval '3 days'),
                    (3, 'api', 'timed_out', interval '1 hour'), (4, 'fanout', 'failed', interval '2 hours'),
                    (5, 'api', 'succeeded', interval '10 days')) v(g, t, s, d)`,
    [h!.id],
  );
  await query(
    app.db.url,
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, lease_until, lease_owner, started_at)
     VALUES ($1, 'st-history', 'api', 'queued', now() + interval '1 year', NULL, NULL, NULL),
            ($1, 'st-history', 'api', 'running', now(), now() + interval '1 year', 'elsewhere', now())`,
    [h!.id],
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('GET /api/v1/jobs/-/status', () => {
  it('answers each job exactly as its single status call, in the order asked', async () => {
    const batch = await app.api('GET', `/api/v1/jobs/-/status?names=${JOBS.join(',')}`);
    expect(batch.status).toBe(200);
    expect(batch.body.items.map((s: { job: string }) => s.job)).toEqual(JOBS);
    for (const [i, name] of JOBS.entries()) expect(batch.body.items[i]).toEqual(await single(name));

    const [plain, fan, off, idle, history] = batch.body.items;
    expect(plain).toMatchObject({ enabled: true, lastStatus: 'succeeded', last24h: { succeeded: 2, failed: 0 } });
    expect(plain.nextRun).not.toBeNull();
    expect(fan.last24h).toEqual({ succeeded: 1, failed: 0 });
    expect(fan.fanOutChildren.last24h).toEqual({ succeeded: 3, failed: 0 });
    expect({ enabled: off.enabled, nextRun: off.nextRun, lastStatus: off.lastStatus }).toEqual({
      enabled: false,
      nextRun: null,
      lastStatus: 'succeeded',
    });
    expect(idle).toMatchObject({ lastRun: null, lastStatus: null, running: 0, queued: 0, nextRun: null });
    expect(idle.durationMs).toEqual({ p50: null, p95: null });
    expect(history).toMatchObject({
      running: 1,
      queued: 1,
      lastStatus: 'running',
      last24h: { succeeded: 0, failed: 1 },
      last7d: { succeeded: 1, failed: 2 },
      fanOutChildren: { last24h: { succeeded: 0, failed: 1 }, last7d: { succeeded: 0, failed: 1 } },
      durationMs: { p50: 1000, p95: 1000 },
    });
  });

  it('takes ids as well as names, repeated names=, and answers a job asked twice once', async () => {
    const plain = await single('st-plain');
    const view = (await app.api('GET', '/api/v1/jobs/st-fan')).body;
    const res = await app.api('GET', `/api/v1/jobs/-/status?names=st-plain,${view.id}&names=st-plain,%20st-idle`);
    expect(res.status).toBe(200);
    expect(res.body.items.map((s: { job: string }) => s.job)).toEqual(['st-plain', 'st-fan', 'st-idle']);
    expect(res.body.items[0]).toEqual(plain);
  });

  it('a viewer may read it', async () => {
    const res = await app.api('GET', '/api/v1/jobs/-/status?names=st-plain', undefined, await app.as('viewer'));
    expect(res.status).toBe(200);
  });

  it('bad lists are a 400 naming the field; unknown jobs a 404 naming each', async () => {
    for (const q of ['', '?names=', '?names=,,', `?names=${'x'.repeat(101)}`]) {
      const res = await app.api('GET', `/api/v1/jobs/-/status${q}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('names');
    }
    const many = Array.from({ length: JOB_STATUS_BATCH_MAX + 1 }, (_, i) => `j${i}`).join(',');
    const tooMany = await app.api('GET', `/api/v1/jobs/-/status?names=${many}`);
    expect(tooMany.status).toBe(400);
    expect(JSON.stringify(tooMany.body)).toContain(`at most ${JOB_STATUS_BATCH_MAX}`);

    const missing = await app.api('GET', '/api/v1/jobs/-/status?names=st-plain,nope-1,nope-2');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain('"nope-1"');
    expect(missing.body.message).toContain('"nope-2"');
  });
});
