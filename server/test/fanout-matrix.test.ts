import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

// Issue 21: fan-out over a list fetched at run time, matrix and date-range fan-out, parallelism, cancel.
let app: TestApp;
let target: HttpTarget;
const { createJob, run, finished } = runHelpers(() => app, 60_000);
const query = (url: string) => new URL(url, 'http://x').searchParams;

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8', WORKER_POLL_MS: '200', FANOUT_MAX: '20' });
});
afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('matrix and date ranges', () => {
  it('3 devices × 2 dates make 6 children, each with its device and date', async () => {
    await createJob({
      name: 'matrix',
      executor: {
        kind: 'http',
        url: `${target.url}/matrix`,
        query: { d: '{{ params.device_id }}', day: '{{ params.day }}' },
      },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'day', type: 'daterange', fanOut: true, required: true },
        { name: 'mode', type: 'string', default: 'full' },
      ],
    });
    const parent = await run('matrix', { params: { device_id: ['a', 'b', 'c'], day: '2026-11-01..2026-11-02' } });
    const d = await finished(parent.id);
    expect(d.status).toBe('succeeded');
    expect(d.progress).toEqual({ total: 6, done: 6, failed: 0, cancelled: 0 });
    expect(d.fanOut.dimensions).toEqual([
      { param: 'device_id', count: 3 },
      { param: 'day', count: 2 },
    ]);
    const kids = (d.children as { params: Record<string, string> }[])
      .map((c) => c.params)
      .sort((x, y) => (x.device_id + x.day).localeCompare(y.device_id + y.day));
    expect(kids).toEqual(
      ['a', 'b', 'c'].flatMap((dev) =>
        ['2026-11-01', '2026-11-02'].map((day) => ({ device_id: dev, day, mode: 'full' })),
      ),
    );
    const calls = target
      .hits('/matrix')
      .map((r) => `${query(r.url).get('d')}@${query(r.url).get('day')}`)
      .sort();
    expect(calls).toEqual([
      'a@2026-11-01',
      'a@2026-11-02',
      'b@2026-11-01',
      'b@2026-11-02',
      'c@2026-11-01',
      'c@2026-11-02',
    ]);
  });

  it('a date range is read in the job time zone (Asia/Tokyo) and crosses a month end', async () => {
    await createJob({
      name: 'tokyo-days',
      timezone: 'Asia/Tokyo',
      executor: { kind: 'http', url: `${target.url}/tokyo` },
      params: [{ name: 'day', type: 'daterange', fanOut: true, default: 'yesterday..today' }],
    });
    // 2026-11-30 20:00 UTC is already 2026-12-01 05:00 in Tokyo.
    const r = await app.api('POST', '/api/v1/jobs/tokyo-days/resolve', { now: '2026-11-30T20:00:00Z' });
    expect(r.status).toBe(200);
    expect(r.body.fanOut).toEqual({ param: 'day', items: ['2026-11-30', '2026-12-01'] });
    const span = await app.api('POST', '/api/v1/jobs/tokyo-days/resolve', {
      params: { day: '2026-11-29..2026-12-02' },
    });
    expect(span.body.fanOut.items).toEqual(['2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02']);
  });

  it('bad ranges and oversized products are a 400 before anything is written', async () => {
    const backwards = await app.api('POST', '/api/v1/jobs/tokyo-days/runs', {
      params: { day: '2026-11-07..2026-11-01' },
    });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body.message)).toMatch(/must run forward/);
    const long = await app.api('POST', '/api/v1/jobs/tokyo-days/resolve', {
      params: { day: '2020-01-01..2026-01-01' },
    });
    expect(long.status).toBe(400);
    expect(JSON.stringify(long.body.message)).toMatch(/at most 1000 days/);
    // FANOUT_MAX is 20 here: 5 devices × 7 days = 35 > 20, counted before expanding.
    const before = (await app.api('GET', '/api/v1/executions?job=matrix')).body.items.length;
    const big = await app.api('POST', '/api/v1/jobs/matrix/runs', {
      params: { device_id: ['1', '2', '3', '4', '5'], day: '2026-11-01..2026-11-07' },
    });
    expect(big.status).toBe(400);
    expect(JSON.stringify(big.body.message)).toMatch(/device_id \(5\) × day \(7\) make 35 runs/);
    expect((await app.api('GET', '/api/v1/executions?job=matrix')).body.items.length).toBe(before);
    // At save: literal defaults whose product is over the cap.
    const save = await app.api('POST', '/api/v1/jobs', {
      name: 'too-wide',
      executor: { kind: 'http', url: `${target.url}/x` },
      params: [
        { name: 'a', type: 'string[]', fanOut: true, default: ['1', '2', '3', '4', '5'] },
        { name: 'day', type: 'daterange', fanOut: true, default: '2026-11-01..2026-11-07' },
      ],
    });
    expect(save.status).toBe(400);
    expect(JSON.stringify(save.body.message)).toMatch(/make 35 runs/);
  });

  it('parallelism 2 is never exceeded at the target; cancelling a matrix cancels the rest', async () => {
    let now = 0;
    let max = 0;
    target.on('/slow', (_req, res) => {
      now++;
      max = Math.max(max, now);
      setTimeout(() => {
        now--;
        res.end('{}');
      }, 150);
    });
    await createJob({
      name: 'par2',
      executor: { kind: 'http', url: `${target.url}/slow` },
      concurrency: { fanOutParallelism: 2 },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'day', type: 'daterange', fanOut: true, required: true },
      ],
    });
    const d = await finished(
      (await run('par2', { params: { device_id: ['a', 'b', 'c'], day: '2026-11-01..2026-11-02' } })).id,
    );
    expect(d.status).toBe('succeeded');
    expect(target.hits('/slow')).toHaveLength(6);
    expect(max).toBe(2);

    const held: (() => void)[] = [];
    target.on('/hold', (_req, res) => void held.push(() => res.end('{}')));
    await createJob({
      name: 'matrix-cancel',
      executor: { kind: 'http', url: `${target.url}/hold` },
      concurrency: { fanOutParallelism: 2 },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'day', type: 'daterange', fanOut: true, required: true },
      ],
    });
    const p = await run('matrix-cancel', { params: { device_id: ['a', 'b', 'c'], day: '2026-11-01..2026-11-02' } });
    await waitFor(() => held.length === 2, 10_000, 'two children running');
    expect((await app.api('POST', `/api/v1/executions/${p.id}/cancel`)).status).toBe(200);
    held.splice(0).forEach((f) => f());
    const c = await finished(p.id);
    expect(c.status).toBe('cancelled');
    expect(c.progress.total).toBe(6);
    expect(c.progress.done).toBe(6);
    expect(c.progress.cancelled).toBeGreaterThanOrEqual(4);
    expect(target.hits('/hold').length).toBe(2);
  });
});
