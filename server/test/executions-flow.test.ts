import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { query } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type ApiResult, type TestApp } from './helpers/app.js';
import { isFinal, runHelpers } from './helpers/runs.js';
import type { ExecutionList, ExecutionSummary } from '@api-manager/contracts';

let app: TestApp;
let target: HttpTarget;

const { createJob, run, detail, finished } = runHelpers(() => app, 15_000);

/** A route that holds requests until released. */
function gate(path: string) {
  const waiting: (() => void)[] = [];
  let concurrent = 0;
  let maxConcurrent = 0;
  target.on(path, (_req, res) => {
    concurrent++;
    maxConcurrent = Math.max(maxConcurrent, concurrent);
    waiting.push(() => {
      concurrent--;
      res.end('{"done":true}');
    });
  });
  return {
    get waiting() {
      return waiting.length;
    },
    get max() {
      return maxConcurrent;
    },
    releaseAll() {
      for (const w of waiting.splice(0)) w();
    },
  };
}

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8', LEASE_MS: '3000', WORKER_POLL_MS: '200' });
});

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('concurrency and overlap', () => {
  it('overlap skip: records a skipped execution with the reason while one is running', async () => {
    const g = gate('/skip');
    await createJob({
      name: 'skipper',
      executor: { kind: 'http', url: `${target.url}/skip` },
      concurrency: { overlap: 'skip' },
    });
    const first = await run('skipper');
    await waitFor(() => g.waiting === 1, 5000, 'first run to start');
    const second = await run('skipper');
    expect(second.status).toBe('skipped');
    const d = await detail(second.id);
    expect(d.error).toMatch(/overlap policy skip/);
    g.releaseAll();
    expect((await finished(first.id)).status).toBe('succeeded');
    expect(target.hits('/skip')).toHaveLength(1);
  });

  it('overlap queue (max 1): the second waits for the first, never two at once', async () => {
    const g = gate('/queue');
    await createJob({
      name: 'queuer',
      executor: { kind: 'http', url: `${target.url}/queue` },
      concurrency: { max: 1, overlap: 'queue' },
    });
    const a = await run('queuer');
    const b = await run('queuer');
    await waitFor(() => g.waiting === 1, 5000, 'first to start');
    await new Promise((r) => setTimeout(r, 400));
    expect(g.waiting).toBe(1);
    expect((await detail(b.id)).status).toBe('queued');
    g.releaseAll();
    await waitFor(() => g.waiting === 1, 5000, 'second to start');
    g.releaseAll();
    expect((await finished(a.id)).status).toBe('succeeded');
    expect((await finished(b.id)).status).toBe('succeeded');
    expect(g.max).toBe(1);
  });

  it('overlap allow: runs at once', async () => {
    const g = gate('/allow');
    await createJob({
      name: 'allower',
      executor: { kind: 'http', url: `${target.url}/allow` },
      concurrency: { overlap: 'allow' },
    });
    const ids = [await run('allower'), await run('allower'), await run('allower')].map((e) => e.id);
    await waitFor(() => g.waiting === 3, 5000, 'three running at once');
    g.releaseAll();
    for (const id of ids) expect((await finished(id)).status).toBe('succeeded');
  });
});

describe('fan-out', () => {
  it('one child per item, parallelism limit, progress, final status succeeded / partial / failed', async () => {
    target.on('/device', (req, res) => {
      const id = new URL(req.url, 'http://x').searchParams.get('id')!;
      setTimeout(() => {
        res.writeHead(id.startsWith('bad') ? 500 : 200);
        res.end(JSON.stringify({ id }));
      }, 100);
    });
    await createJob({
      name: 'per-device',
      executor: {
        kind: 'http',
        url: `${target.url}/device`,
        query: { id: '{{ params.device_id }}', date: '{{ params.date }}' },
      },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'date', type: 'date', default: '2026-01-02' },
      ],
      concurrency: { fanOutParallelism: 2 },
    });
    const parent = await run('per-device', { params: { device_id: ['a', 'b', 'c', 'd', 'e'] } });
    expect(parent.status).toBe('running');
    const mid = await waitFor(
      async () => {
        const d = await detail(parent.id);
        return d.progress.done > 0 && d.progress.done < 5 ? d : null;
      },
      10_000,
      'progress',
    );
    expect(mid.progress.total).toBe(5);
    const d = await finished(parent.id);
    expect(d.status).toBe('succeeded');
    expect(d.progress).toEqual({ total: 5, done: 5, failed: 0, cancelled: 0 });
    expect(d.children).toHaveLength(5);
    expect(d.children.every((c: ExecutionSummary) => c.trigger === 'fanout' && c.parentId === parent.id)).toBe(true);
    expect(d.children.map((c: ExecutionSummary) => c.params.device_id).sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(d.children[0].params.date).toBe('2026-01-02');
    // parallelism 2: never more than two requests overlapping
    const hits = target.hits('/device').map((h) => h.at);
    for (const t of hits) expect(hits.filter((u) => u >= t && u < t + 90).length).toBeLessThanOrEqual(2);

    const partial = await finished((await run('per-device', { params: { device_id: ['ok1', 'bad1'] } })).id);
    expect(partial.status).toBe('partial');
    expect(partial.progress).toEqual({ total: 2, done: 2, failed: 1, cancelled: 0 });
    const failed = await finished((await run('per-device', { params: { device_id: ['bad2', 'bad3'] } })).id);
    expect(failed.status).toBe('failed');
  });
});

describe('chains', () => {
  it('onSuccess runs the next job with parent params and parent response JSON; onFailure on failure', async () => {
    target.on('/features', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ prompt: 'hello-prompt', n: 3 }));
    });
    target.on('/analysis', (_req, res) => res.end('analysed'));
    target.on('/alert', (_req, res) => res.end('alerted'));
    target.on('/broken', (_req, res) => {
      res.writeHead(500);
      res.end('boom');
    });
    await createJob({
      name: 'analysis',
      executor: {
        kind: 'http',
        url: `${target.url}/analysis`,
        query: { prompt: '{{ params.prompt }}', device: '{{ params.device }}' },
      },
      params: [
        { name: 'prompt', type: 'string' },
        { name: 'device', type: 'string' },
      ],
    });
    await createJob({
      name: 'alert',
      executor: { kind: 'http', url: `${target.url}/alert`, query: { from: '{{ params.from }}' } },
      params: [{ name: 'from', type: 'string' }],
    });
    await createJob({
      name: 'features',
      executor: { kind: 'http', url: `${target.url}/features` },
      params: [{ name: 'device', type: 'string' }],
      onSuccess: [
        {
          job: 'analysis',
          params: { prompt: '{{ parent.response.json.prompt }}', device: '{{ parent.params.device }}' },
        },
      ],
    });
    await createJob({
      name: 'broken',
      executor: { kind: 'http', url: `${target.url}/broken` },
      onFailure: [{ job: 'alert', params: { from: 'broken-{{ parent.response.status }}' } }],
    });
    const f = await finished((await run('features', { params: { device: 'dev-7' } })).id);
    expect(f.status).toBe('succeeded');
    const child = await waitFor(
      async () => {
        const d = await detail(f.id);
        return d.children[0] && isFinal(d.children[0].status) ? d.children[0] : null;
      },
      10_000,
      'chained child',
    );
    expect(child).toMatchObject({ jobName: 'analysis', trigger: 'chain', parentId: f.id, status: 'succeeded' });
    expect(child.params).toEqual({ prompt: 'hello-prompt', device: 'dev-7' });
    const sent = new URL(target.hits('/analysis').at(-1)!.url, 'http://x').searchParams;
    expect([sent.get('prompt'), sent.get('device')]).toEqual(['hello-prompt', 'dev-7']);

    const b = await finished((await run('broken')).id);
    expect(b.status).toBe('failed');
    await waitFor(() => target.hits('/alert').length === 1, 10_000, 'onFailure');
    expect(target.hits('/alert')[0].url).toBe('/alert?from=broken-500');
  });

  it('a chain step whose params fail validation is a failed child with the reason; templates see parent.id/status/error', async () => {
    target.on('/strict', (_req, res) => res.end('ok'));
    target.on('/src-fails', (_req, res) => {
      res.writeHead(503);
      res.end('down');
    });
    await createJob({
      name: 'strict-child',
      executor: { kind: 'http', url: `${target.url}/strict`, query: { day: '{{ params.day }}' } },
      params: [{ name: 'day', type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', required: true }],
    });
    await createJob({
      name: 'report-child',
      executor: {
        kind: 'http',
        url: `${target.url}/strict`,
        query: { id: '{{ params.id }}', status: '{{ params.status }}', error: '{{ params.error }}' },
      },
      params: [
        { name: 'id', type: 'string' },
        { name: 'status', type: 'string' },
        { name: 'error', type: 'string' },
      ],
    });
    await createJob({
      name: 'chain-src',
      executor: { kind: 'http', url: `${target.url}/strict` },
      onSuccess: [{ job: 'strict-child', params: { day: 'not-a-date' } }],
    });
    await createJob({
      name: 'chain-src-fails',
      executor: { kind: 'http', url: `${target.url}/src-fails` },
      onFailure: [
        {
          job: 'report-child',
          params: { id: '{{ parent.id }}', status: '{{ parent.status }}', error: '{{ parent.error }}' },
        },
      ],
    });
    const p = await finished((await run('chain-src')).id);
    expect(p.status).toBe('succeeded');
    const child = await waitFor(async () => (await detail(p.id)).children[0] ?? null, 10_000, 'the failed chain child');
    expect(child).toMatchObject({ jobName: 'strict-child', trigger: 'chain', parentId: p.id, status: 'failed' });
    expect(child.error).toContain('params.day');
    expect(child.error).toContain('onSuccess step strict-child could not be queued');
    expect(target.hits('/strict').filter((h) => h.url.includes('day='))).toHaveLength(0);

    const f = await finished((await run('chain-src-fails')).id);
    expect(f.status).toBe('failed');
    const report = await waitFor(
      async () => {
        const c = (await detail(f.id)).children[0];
        return c && isFinal(c.status) ? c : null;
      },
      10_000,
      'onFailure child',
    );
    expect(report.status).toBe('succeeded');
    expect(report.params).toEqual({ id: f.id, status: 'failed', error: f.error });
    expect(f.error).toMatch(/HTTP 503/);
  });
});

describe('cancel and retry', () => {
  it('cancel aborts the in-flight call; retry makes a new execution (trigger retry, retryOf)', async () => {
    let aborted = false;
    target.on('/hang', (req, res) => {
      res.on('close', () => (aborted = !res.writableEnded));
    });
    await createJob({ name: 'hang', executor: { kind: 'http', url: `${target.url}/hang`, timeoutMs: 30000 } });
    const exec = await run('hang');
    await waitFor(() => target.hits('/hang').length === 1, 5000, 'call in flight');
    const c = await app.api('POST', `/api/v1/executions/${exec.id}/cancel`);
    expect(c.status).toBe(200);
    const d = await finished(exec.id, 5000);
    expect(d.status).toBe('cancelled');
    await waitFor(() => aborted, 3000, 'the target to see the connection closed');
    expect((await app.api('POST', `/api/v1/executions/${exec.id}/cancel`)).status).toBe(409);

    const r = await app.api('POST', `/api/v1/executions/${exec.id}/retry`);
    expect(r.status).toBe(202);
    expect(r.body.execution).toMatchObject({ trigger: 'retry', retryOf: exec.id, jobName: 'hang' });
    // cancel while still queued or running
    await app.api('POST', `/api/v1/executions/${r.body.execution.id}/cancel`);
    expect((await finished(r.body.execution.id, 5000)).status).toBe('cancelled');
    expect((await app.api('POST', `/api/v1/executions/not-a-uuid/cancel`)).status).toBe(400);
    expect((await app.api('POST', `/api/v1/executions/00000000-0000-4000-8000-000000000000/retry`)).status).toBe(404);
  });

  it('cancelling a running fan-out cancels its children and the parent (not failed), and notifies nothing', async () => {
    const held = gate('/fan-hold');
    target.on('/fan-bad', (_req, res) => {
      res.writeHead(500);
      res.end('no');
    });
    const ch = await app.api('POST', '/api/v1/notifications/channels', {
      name: 'fan-alerts',
      type: 'slack',
      url: `${target.url}/fan-alerts`,
    });
    expect(ch.status).toBe(201);
    await createJob({
      name: 'fan-cancel',
      executor: { kind: 'http', url: `${target.url}/{{ params.path }}`, timeoutMs: 30000 },
      params: [
        { name: 'path', type: 'string', default: 'fan-hold' },
        { name: 'item', type: 'string[]', fanOut: true, required: true },
      ],
      concurrency: { fanOutParallelism: 2 },
      notifications: [{ channel: 'fan-alerts', on: ['failure', 'success'] }],
    });
    const parent = await run('fan-cancel', { params: { item: ['a', 'b', 'c'] } });
    await waitFor(() => held.waiting === 2, 10_000, 'two children in flight');
    expect((await app.api('POST', `/api/v1/executions/${parent.id}/cancel`)).status).toBe(200);
    const d = await finished(parent.id);
    expect(d.status).toBe('cancelled');
    expect(d.error).toBe('Cancelled: 3 of 3 children cancelled');
    expect(d.progress).toEqual({ total: 3, done: 3, failed: 0, cancelled: 3 });
    expect(d.children.map((c: ExecutionSummary) => c.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);

    // A failing fan-out of the same job is notified (failure): once its notification is recorded, the
    // cancelled run (finished before it) has had every chance to be, and has none.
    const bad = await finished((await run('fan-cancel', { params: { path: 'fan-bad', item: ['x'] } })).id);
    expect(bad.status).toBe('failed');
    await waitFor(async () => (await detail(bad.id)).notifications.length === 1, 10_000, 'failure notification');
    expect((await detail(bad.id)).notifications[0]).toMatchObject({ channel: 'fan-alerts', event: 'failure' });
    expect((await detail(parent.id)).notifications).toEqual([]);
    const rows = await query(
      app.db.url,
      'SELECT count(*)::int AS n FROM execution_notifications WHERE execution_id = $1',
      [parent.id],
    );
    expect(rows[0].n).toBe(0);
    held.releaseAll();
  });
});

describe('history and status', () => {
  it('lists newest first with filters and an opaque cursor; a bad cursor is a 400', async () => {
    await createJob({ name: 'pager', executor: { kind: 'http', url: `${target.url}/hello` } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await run('pager')).id);
    for (const id of ids) await finished(id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: ApiResult<ExecutionList> = await app.api<ExecutionList>(
        'GET',
        `/api/v1/executions?job=pager&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((e) => e.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    const filtered = await app.api('GET', '/api/v1/executions?status=succeeded&trigger=api&job=pager');
    expect(filtered.body.items).toHaveLength(5);
    expect((await app.api('GET', '/api/v1/executions?status=bogus')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/executions?cursor=garbage')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/executions?since=yesterday')).status).toBe(400);
    const none = await app.api(
      'GET',
      `/api/v1/executions?job=pager&since=${new Date(Date.now() + 60000).toISOString()}`,
    );
    expect(none.body.items).toHaveLength(0);

    const st = await app.api('GET', '/api/v1/jobs/pager/status');
    expect(st.status).toBe(200);
    expect(st.body).toMatchObject({
      job: 'pager',
      enabled: true,
      nextRun: null,
      lastStatus: 'succeeded',
      running: 0,
      queued: 0,
    });
    expect(st.body.last24h).toEqual({ succeeded: 5, failed: 0 });
    expect(st.body.last7d.succeeded).toBe(5);
    expect(st.body.lastRun.id).toBe(ids[4]);
    expect(typeof st.body.durationMs.p50).toBe('number');
    expect(st.body.durationMs.p95).toBeGreaterThanOrEqual(st.body.durationMs.p50);
  });

  it('job status counts runs (a fan-out once) and its children apart; a disabled job shows no next run', async () => {
    target.on('/stat', (_req, res) => res.end('ok'));
    await createJob({
      name: 'stat-fan',
      executor: { kind: 'http', url: `${target.url}/stat`, query: { i: '{{ params.item }}' } },
      params: [{ name: 'item', type: 'string[]', fanOut: true, required: true }],
    });
    const d = await finished((await run('stat-fan', { params: { item: ['a', 'b', 'c'] } })).id);
    expect(d.status).toBe('succeeded');
    const s = (await app.api('GET', '/api/v1/jobs/stat-fan/status')).body;
    expect(s.last24h).toEqual({ succeeded: 1, failed: 0 });
    expect(s.last7d).toEqual({ succeeded: 1, failed: 0 });
    expect(s.fanOutChildren).toEqual({ last24h: { succeeded: 3, failed: 0 }, last7d: { succeeded: 3, failed: 0 } });
    expect(s.durationMs.p50).toBe(d.durationMs);
    expect(s.counting).toMatch(/fan-out once/);

    const sched = await app.api('POST', '/api/v1/schedules', {
      job: 'stat-fan',
      cron: '0 0 * * *',
      params: { item: ['x'] },
    });
    expect(sched.status).toBe(201);
    expect((await app.api('GET', '/api/v1/jobs/stat-fan/status')).body.nextRun).not.toBeNull();
    const job = (await app.api('GET', '/api/v1/jobs/stat-fan')).body;
    expect((await app.api('PATCH', '/api/v1/jobs/stat-fan', { enabled: false, version: job.version })).status).toBe(
      200,
    );
    const off = (await app.api('GET', '/api/v1/jobs/stat-fan/status')).body;
    expect({ enabled: off.enabled, nextRun: off.nextRun }).toEqual({ enabled: false, nextRun: null });
  });

  it('SSE delivers execution status changes', async () => {
    const ac = new AbortController();
    const res = await fetch(`${app.baseUrl}/api/v1/events`, { headers: app.authHeaders, signal: ac.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = res.body!.getReader();
    let text = '';
    const exec = await run('pager');
    const deadline = Date.now() + 10_000;
    while (!text.includes(`"id":"${exec.id}","status":"succeeded"`) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    ac.abort();
    expect(text).toContain('event: execution');
    expect(text).toContain(`"id":"${exec.id}","status":"running"`);
    expect(text).toContain(`"id":"${exec.id}","status":"succeeded"`);
    const rows = await query(app.db.url, 'SELECT status FROM executions WHERE id = $1', [exec.id]);
    expect(rows[0].status).toBe('succeeded');
  });
});
