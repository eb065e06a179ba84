import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { query } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';

const METRICS_TOKEN = 'metrics-test-token-0123456789';

/** The value of the sample `name{labels}` in a Prometheus text exposition (labels in any order). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

async function scrape(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

describe('GET /api/metrics (credentials of the API)', () => {
  let app: TestApp;
  let target: HttpTarget;
  const held: Array<() => void> = [];

  beforeAll(async () => {
    target = await startHttpTarget();
    target.on('/hold', (_req, res) => void held.push(() => res.end('{"held":true}')));
    app = await startTestApp({
      LOG_LEVEL: 'error',
      WORKER_CONCURRENCY: '1',
      WORKER_POLL_MS: '100',
      SCHEDULER_ENABLED: 'false',
      WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
    });
    for (const [name, path] of [
      ['metrics-ok', '/ok'],
      ['metrics-hold', '/hold'],
    ]) {
      const res = await app.api('POST', '/api/v1/jobs', {
        name,
        executor: { kind: 'http', url: `${target.url}${path}` },
        triggers: { github: [{ repository: 'org/metrics', watchFiles: ['**'] }] },
      });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    for (const release of held.splice(0)) release();
    await app?.close();
    await target?.close();
  });

  it('401 without credentials, and with a Bearer token that is neither METRICS_TOKEN nor an API token', async () => {
    expect((await scrape(`${app.baseUrl}/api/metrics`)).status).toBe(401);
    const bad = await scrape(`${app.baseUrl}/api/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('apm_');
  });

  it('counts a finished execution, its duration, the active and recent gauges', async () => {
    const run = await app.api('POST', '/api/v1/jobs/metrics-ok/runs', {});
    expect(run.status).toBe(202);
    await waitFor(
      async () => (await app.api('GET', `/api/v1/executions/${run.body.execution.id}`)).body.status === 'succeeded',
      10_000,
      'the execution to succeed',
    );
    const viewer = await app.as('viewer');
    const res = await scrape(`${app.baseUrl}/api/metrics`, viewer);
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = res.text;
    expect(sample(t, 'apm_executions_finished_total', { job: 'metrics-ok', status: 'succeeded' })).toBe(1);
    expect(sample(t, 'apm_execution_duration_seconds_count', { job: 'metrics-ok', status: 'succeeded' })).toBe(1);
    expect(sample(t, 'apm_execution_duration_seconds_bucket', { job: 'metrics-ok', le: '+Inf' })).toBe(1);
    expect(sample(t, 'apm_execution_duration_seconds_sum', { job: 'metrics-ok' })).toBeGreaterThan(0);
    expect(sample(t, 'apm_executions_last_hour', { job: 'metrics-ok', status: 'succeeded' })).toBe(1);
    expect(sample(t, 'apm_executions_active', { job: 'metrics-ok' })).toBeUndefined();
    expect(sample(t, 'apm_queue_depth')).toBe(0);
    expect(sample(t, 'apm_queue_oldest_age_seconds')).toBe(0);
    expect(sample(t, 'apm_schedule_lag_seconds')).toBe(0);
    expect(sample(t, 'apm_worker_concurrency')).toBe(1);
    // prom-client's default process metrics
    expect(sample(t, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(t).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
  });

  it('reports queue depth and age, running executions and worker utilisation, then schedule lag', async () => {
    const hold = await app.api('POST', '/api/v1/jobs/metrics-hold/runs', {});
    expect(hold.status).toBe(202);
    await waitFor(() => held.length === 1, 10_000, 'the held request');
    // The only worker slot is busy: a row due 90 s ago stays queued.
    await query(
      app.db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at)
       SELECT id, name, 'api', 'queued', now() - interval '90 seconds', now() - interval '90 seconds'
         FROM jobs WHERE name = 'metrics-ok'`,
    );
    const job = await query<{ id: string }>(app.db.url, `SELECT id FROM jobs WHERE name = 'metrics-ok'`);
    await query(
      app.db.url,
      `INSERT INTO schedules (job_id, name, interval_seconds, next_run_at)
       VALUES ($1, 'late', 60, now() - interval '120 seconds')`,
      [job[0]!.id],
    );
    const t = (await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).text;
    expect(sample(t, 'apm_executions_active', { job: 'metrics-hold', status: 'running' })).toBe(1);
    expect(sample(t, 'apm_executions_active', { job: 'metrics-ok', status: 'queued' })).toBe(1);
    expect(sample(t, 'apm_queue_depth')).toBe(1);
    expect(sample(t, 'apm_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sample(t, 'apm_worker_running')).toBe(1);
    expect(sample(t, 'apm_worker_utilisation_ratio')).toBe(1);
    expect(sample(t, 'apm_schedule_lag_seconds')).toBeGreaterThanOrEqual(120);
    expect(sample(t, 'apm_schedules_due')).toBe(1);

    held.splice(0).forEach((release) => release());
    await query(app.db.url, `DELETE FROM schedules WHERE name = 'late'`);
    await waitFor(
      async () =>
        (
          await query<{ n: number }>(
            app.db.url,
            `SELECT count(*)::int AS n FROM executions WHERE status IN ('queued','running')`,
          )
        )[0]!.n === 0,
      10_000,
      'the queue to drain',
    );
    const after = (await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).text;
    expect(sample(after, 'apm_queue_depth')).toBe(0);
    expect(sample(after, 'apm_worker_utilisation_ratio')).toBe(0);
    expect(sample(after, 'apm_executions_active', { job: 'metrics-hold' })).toBeUndefined();
    expect(sample(after, 'apm_schedule_lag_seconds')).toBe(0);
  });

  it('counts webhook deliveries by outcome and rejected signatures', async () => {
    const before = (await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).text;
    const triggered0 =
      sample(before, 'apm_webhook_deliveries_total', { provider: 'github', outcome: 'triggered' }) ?? 0;
    const res = await deliver(app.baseUrl, githubPush({ repository: 'org/metrics' }), { id: randomUUID() });
    expect(res.status).toBe(200);
    expect(res.body.triggered_jobs).toEqual(expect.arrayContaining(['metrics-ok', 'metrics-hold']));
    expect((await deliver(app.baseUrl, githubPush(), { secret: 'wrong-secret' })).status).toBe(401);
    const t = (await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).text;
    expect(sample(t, 'apm_webhook_deliveries_total', { provider: 'github', outcome: 'triggered' })).toBe(
      triggered0 + 1,
    );
    expect(sample(t, 'apm_webhook_signature_failures_total', { provider: 'github' })).toBeGreaterThanOrEqual(1);
  });
});

describe('METRICS_TOKEN, METRICS_PORT and METRICS_ENABLED', () => {
  it('METRICS_TOKEN reads /api/metrics; a wrong one does not; API tokens still do', async () => {
    const app = await startTestApp({ LOG_LEVEL: 'error', METRICS_TOKEN, WORKERS_ENABLED: 'false' });
    try {
      const url = `${app.baseUrl}/api/metrics`;
      expect((await scrape(url)).status).toBe(401);
      expect((await scrape(url, { authorization: 'Bearer wrong-metrics-token-000000' })).status).toBe(401);
      const ok = await scrape(url, { authorization: `Bearer ${METRICS_TOKEN}` });
      expect(ok.status).toBe(200);
      expect(sample(ok.text, 'apm_queue_depth')).toBe(0);
      expect(sample(ok.text, 'apm_worker_concurrency')).toBe(0);
      expect((await scrape(url, app.authHeaders)).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('METRICS_PORT serves GET /metrics on its own listener, and /api/metrics answers 404', async () => {
    const app = await startTestApp({ LOG_LEVEL: 'error', METRICS_PORT: '0', WORKERS_ENABLED: 'false' });
    try {
      const port = app.app.get(MetricsService).metricsPort;
      expect(port).toBeGreaterThan(0);
      const res = await scrape(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(sample(res.text, 'apm_queue_depth')).toBe(0);
      expect((await scrape(`http://127.0.0.1:${port}/other`)).status).toBe(404);
      expect((await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).status).toBe(404);
    } finally {
      await app.close();
    }
  });

  it('METRICS_ENABLED=false: 404 even for an admin', async () => {
    const app = await startTestApp({ LOG_LEVEL: 'error', METRICS_ENABLED: 'false', WORKERS_ENABLED: 'false' });
    try {
      expect((await scrape(`${app.baseUrl}/api/metrics`, app.authHeaders)).status).toBe(404);
    } finally {
      await app.close();
    }
  });
});
