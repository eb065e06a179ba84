import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { query } from './helpers/database.js';
import { startHttpTarget, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';
import type { ExecutionAttempt } from '@api-manager/contracts';

let app: TestApp;
let target: HttpTarget;

const { createJob, run, finished } = runHelpers(() => app, 15_000);

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '4', LEASE_MS: '3000', WORKER_POLL_MS: '200' });
});

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('runs over REST', () => {
  it('runs an HTTP job: 202, snapshots, logs, Idempotency-Key and User-Agent headers', async () => {
    target.on('/hello', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-answer': '42' });
      res.end(JSON.stringify({ hello: 'world' }));
    });
    await createJob({
      name: 'hello',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/hello`,
        query: { d: '{{ params.day }}' },
        body: { day: '{{ params.day }}' },
      },
      params: [{ name: 'day', type: 'string', default: 'mon' }],
    });
    const exec = await run('hello', { params: { day: 'tue' } });
    expect(exec.status).toBe('queued');
    const d = await finished(exec.id);
    expect(d.status).toBe('succeeded');
    expect(d.trigger).toBe('api');
    expect(d.params).toEqual({ day: 'tue' });
    expect(d.request).toMatchObject({ method: 'POST', url: `${target.url}/hello?d=tue` });
    expect(d.response).toMatchObject({ status: 200, body: { hello: 'world' }, truncated: false });
    expect(d.response.headers['x-answer']).toBe('42');
    expect(d.httpStatus).toBe(200);
    expect(d.attempts).toHaveLength(1);
    expect(d.logs.length).toBeGreaterThan(0);
    expect(typeof d.durationMs).toBe('number');
    const hit = target.hits('/hello').at(-1)!;
    // One execution = one Idempotency-Key (its id); the attempt travels in its own header.
    expect(hit.headers['idempotency-key']).toBe(exec.id);
    expect(hit.headers['x-attempt']).toBe('1');
    expect(hit.headers['user-agent']).toMatch(/^api-manager\/\d+\.\d+\.\d+/);
    expect(JSON.parse(hit.body)).toEqual({ day: 'tue' });
  });

  it("marks UI runs 'manual' and rejects bad params with 400 naming the param", async () => {
    const exec = await run('hello', {}, { ...app.authHeaders, 'x-requested-by': 'admin-ui' });
    expect((await finished(exec.id)).trigger).toBe('manual');
    const bad = await app.api('POST', '/api/v1/jobs/hello/runs', { params: { nope: 1 } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('params.nope');
    // `params` is read as sent (not walked by class-transformer): anything but an object is still a 400.
    for (const params of [[1, 2], 'day=tue', 42]) {
      const res = await app.api('POST', '/api/v1/jobs/hello/runs', { params });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('params must be an object');
    }
    expect((await app.api('POST', '/api/v1/jobs/hello/runs', { params: {}, extra: 1 })).status).toBe(400);
    expect((await app.api('POST', '/api/v1/jobs/does-not-exist/runs', {})).status).toBe(404);
  });

  it('same idempotency key -> the same execution, 202 both times', async () => {
    const a = await run('hello', { idempotencyKey: 'key-1' });
    const b = await run('hello', { idempotencyKey: 'key-1' });
    expect(b.id).toBe(a.id);
    const c = await run('hello', { idempotencyKey: 'key-2' });
    expect(c.id).not.toBe(a.id);
    const rows = await query(app.db.url, `SELECT count(*)::int AS n FROM executions WHERE idempotency_key = 'key-1'`);
    expect(rows[0].n).toBe(1);
  });

  it('a disabled job answers 409 with the reason and queues nothing', async () => {
    await createJob({ name: 'off', enabled: false, executor: { kind: 'http', url: `${target.url}/x` } });
    const res = await app.api('POST', '/api/v1/jobs/off/runs', {});
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.body)).toMatch(/disabled/);
    const rows = await query(app.db.url, `SELECT count(*)::int AS n FROM executions WHERE job_name = 'off'`);
    expect(rows[0].n).toBe(0);
  });
});

describe('executor behaviour', () => {
  it('times out (timed_out) and caps the response body (bytes + truncated)', async () => {
    target.on('/slow', (_req, res) => void setTimeout(() => res.end('late'), 3000));
    target.on('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('x'.repeat(5000));
    });
    await createJob({ name: 'slow', executor: { kind: 'http', url: `${target.url}/slow`, timeoutMs: 300 } });
    await createJob({ name: 'big', executor: { kind: 'http', url: `${target.url}/big`, maxResponseBytes: 1000 } });
    const [slow, big] = [await run('slow'), await run('big')];
    const s = await finished(slow.id);
    expect(s.status).toBe('timed_out');
    expect(s.error).toMatch(/Timed out after 300 ms/);
    const b = await finished(big.id);
    expect(b.status).toBe('succeeded');
    expect(b.response.truncated).toBe(true);
    expect(b.response.body).toHaveLength(1000);
    expect(b.response.bytes).toBe(5000);
  });

  it('does not follow redirects unless told to', async () => {
    target.on('/moved', (_req, res) => {
      res.writeHead(302, { location: `${target.url}/hello` });
      res.end();
    });
    await createJob({ name: 'moved', executor: { kind: 'http', url: `${target.url}/moved` } });
    await createJob({
      name: 'moved-follow',
      executor: { kind: 'http', url: `${target.url}/moved`, followRedirects: true },
    });
    const a = await finished((await run('moved')).id);
    expect(a.status).toBe('failed');
    expect(a.httpStatus).toBe(302);
    const b = await finished((await run('moved-follow')).id);
    expect(b.status).toBe('succeeded');
    expect(b.response.body).toEqual({ hello: 'world' });
  });

  it('retries 503 honouring Retry-After (seconds), then succeeds as attempt 2 of the same row', async () => {
    let calls = 0;
    target.on('/flaky', (_req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(503, { 'retry-after': '1' });
        res.end('busy');
      } else res.end('ok');
    });
    await createJob({
      name: 'flaky',
      executor: { kind: 'http', url: `${target.url}/flaky` },
      retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 10 },
    });
    const exec = await run('flaky');
    const d = await finished(exec.id);
    expect(d.status).toBe('succeeded');
    expect(d.attempt).toBe(2);
    expect(d.attempts.map((a: ExecutionAttempt) => [a.attempt, a.status, a.httpStatus])).toEqual([
      [1, 'failed', 503],
      [2, 'succeeded', 200],
    ]);
    const hits = target.hits('/flaky');
    // The same key on every attempt (a target can drop the repeat); X-Attempt counts them.
    expect(hits.map((h) => h.headers['idempotency-key'])).toEqual([exec.id, exec.id]);
    expect(hits.map((h) => h.headers['x-attempt'])).toEqual(['1', '2']);
    // Retry-After: 1 s, not the 10 ms backoff.
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(900);
  });

  it('retries 429 with an HTTP-date Retry-After; gives up after maxAttempts; 4xx is not retried', async () => {
    target.on('/limited', (_req, res) => {
      res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() });
      res.end();
    });
    target.on('/bad', (_req, res) => {
      res.writeHead(400);
      res.end();
    });
    await createJob({
      name: 'limited',
      executor: { kind: 'http', url: `${target.url}/limited` },
      retry: { maxAttempts: 2, backoff: 'exponential', initialDelayMs: 10 },
    });
    await createJob({ name: 'bad', executor: { kind: 'http', url: `${target.url}/bad` }, retry: { maxAttempts: 3 } });
    const [l, b] = [await run('limited'), await run('bad')];
    const dl = await finished(l.id);
    expect(dl.status).toBe('failed');
    expect(dl.attempts).toHaveLength(2);
    const hits = target.hits('/limited');
    expect(hits).toHaveLength(2);
    expect(hits[1].at - hits[0].at).toBeGreaterThanOrEqual(900); // the date is 1-2 s ahead (1 s resolution)
    const db = await finished(b.id);
    expect(db.status).toBe('failed');
    expect(db.attempts).toHaveLength(1);
    expect(target.hits('/bad')).toHaveLength(1);
  });

  it('retries network errors with backoff', async () => {
    await createJob({
      name: 'refused',
      executor: { kind: 'http', url: 'http://127.0.0.1:1/nothing' },
      retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 50, jitter: false },
    });
    const d = await finished((await run('refused')).id);
    expect(d.status).toBe('failed');
    expect(d.attempts).toHaveLength(2);
    expect(d.error).toMatch(/ECONNREFUSED/);
  });
});

describe('secrets', () => {
  it('never shows secret header or param values in snapshots, logs, errors or API responses', async () => {
    const SECRET = 'Bearer s3cr3t-t0ken-value';
    const PARAM = 'p4ssw0rd-param-value';
    target.on('/echo', (req, res) => {
      res.writeHead(500, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
      res.end(JSON.stringify({ auth: req.headers.authorization, url: req.url, body: req.body }));
    });
    await createJob({
      name: 'secretive',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/echo`,
        query: { pw: '{{ params.pw }}' },
        headers: { Authorization: { secret: true, value: SECRET } },
        body: 'pw={{ params.pw }}',
      },
      params: [{ name: 'pw', type: 'string', secret: true }],
    });
    const exec = await run('secretive', { params: { pw: PARAM } });
    const d = await finished(exec.id);
    expect(d.status).toBe('failed');
    // The target did get the real values.
    const hit = target.hits('/echo').at(-1)!;
    expect(hit.headers.authorization).toBe(SECRET);
    expect(hit.body).toBe(`pw=${PARAM}`);
    const everything = [
      JSON.stringify(d),
      JSON.stringify((await app.api('GET', '/api/v1/executions?job=secretive')).body),
      JSON.stringify(await query(app.db.url, 'SELECT * FROM executions WHERE id = $1', [exec.id])),
      JSON.stringify(await query(app.db.url, 'SELECT * FROM execution_logs WHERE execution_id = $1', [exec.id])),
    ].join('\n');
    expect(everything).not.toContain('s3cr3t-t0ken');
    expect(everything).not.toContain(PARAM);
    expect(d.response.body.auth).toBe('***');
    expect(d.request.headers.Authorization).toBe('***');
    expect(d.params.pw).toBe('***');
  });
});
