import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type RunningPostgres } from '../src/database/embedded-postgres.js';
import { ensureDatabase, runMigrations } from '../src/database/migrate.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { freePort } from './helpers/ports.js';
import type { HealthResponse } from '@api-manager/contracts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ready(app: TestApp): Promise<{ status: number; body: HealthResponse }> {
  const res = await fetch(`${app.baseUrl}/api/health/ready`);
  return { status: res.status, body: (await res.json()) as HealthResponse };
}

async function waitFor(app: TestApp, status: number, limitMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if ((await ready(app)).status === status) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`/api/health/ready did not answer ${status} within ${limitMs} ms`);
}

describe('health', () => {
  // This file owns its Postgres: it stops and starts it, which must not disturb other test files.
  let dir: string;
  let pg: RunningPostgres;
  let app: TestApp;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'apm-health-'));
    port = await freePort();
    pg = await startEmbeddedPostgres({ dataDir: dir, port });
    const url = await ensureDatabase(pg.url, 'health');
    await runMigrations(url);
    app = await startTestApp({}, { name: 'health', url, drop: async () => undefined });
  });

  afterAll(async () => {
    await app?.close();
    await pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('live answers without touching the database', async () => {
    const res = await fetch(`${app.baseUrl}/api/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('ready is 200, then 503 naming the database within 3 s of an outage, then 200 again', async () => {
    const up = await ready(app);
    expect(up.status).toBe(200);
    expect(up.body.details.database.status).toBe('up');

    await pg.stop();
    const downAfter = await waitFor(app, 503, 3000);
    const down = await ready(app);
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error!.database.status).toBe('down');
    expect(downAfter).toBeLessThan(3000);

    pg = await startEmbeddedPostgres({ dataDir: dir, port });
    await waitFor(app, 200, 10000);
    expect((await ready(app)).body.details.database.status).toBe('up');
  });
});
