import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import { startTestApp, type TestApp } from './helpers/app.js';
import { routerRoutes } from './helpers/routes.js';

/** Every route the Express router knows, as "METHOD /path/{param}" (OpenAPI style). */
const openApiStyleRoutes = (app: TestApp): string[] => routerRoutes(app).map((r) => r.replace(/:(\w+)/g, '{$1}'));

describe('application shell', () => {
  let app: TestApp;
  let spaDir: string;

  beforeAll(async () => {
    spaDir = await mkdtemp(path.join(os.tmpdir(), 'apm-spa-'));
    await writeFile(path.join(spaDir, 'index.html'), '<!doctype html><title>admin</title><app-root></app-root>');
    await writeFile(path.join(spaDir, 'main.js'), 'console.log(1)');
    app = await startTestApp({ ADMIN_DIST_DIR: spaDir });
  });
  afterAll(async () => {
    await app?.close();
    await rm(spaDir, { recursive: true, force: true });
  });

  it('keeps an idle keep-alive connection open longer than a proxy would (no reuse race after 5 s)', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ status: number; socket: unknown }>((resolve, reject) => {
        const req = http.get(`${app.baseUrl}/api/health/live`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode!, socket: req.socket }));
        });
        req.on('error', reject);
      });
    const first = await get();
    let closed = false;
    (first.socket as import('node:net').Socket).once('close', () => (closed = true));
    await new Promise((r) => setTimeout(r, 6_000));
    expect(closed).toBe(false);
    const second = await get();
    expect(second.status).toBe(200);
    expect(second.socket).toBe(first.socket);
    agent.destroy();
  }, 20_000);

  it('documents every route of the router in the OpenAPI document', async () => {
    const res = await fetch(`${app.baseUrl}/api/docs-json`, { headers: app.authHeaders });
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)),
    );
    const routes = openApiStyleRoutes(app).filter((r) => !r.includes('/api/docs'));
    expect(routes.length).toBeGreaterThan(1);
    const missing = routes.filter((r) => !documented.has(r));
    expect(missing).toEqual([]);
  });

  it('serves the SPA at / and for deep links, but not for /api or missing assets', async () => {
    const root = await fetch(`${app.baseUrl}/`);
    expect(root.status).toBe(200);
    expect(await root.text()).toContain('<app-root>');
    const deep = await fetch(`${app.baseUrl}/executions/123`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<app-root>');
    expect((await fetch(`${app.baseUrl}/main.js`)).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/missing.js`)).status).toBe(404);
    const api = await fetch(`${app.baseUrl}/api/v1/nothing-here`);
    expect(api.status).toBe(404);
    expect(api.headers.get('content-type')).toContain('application/json');
  });

  it('answers malformed JSON with a clear 400, and gives every response a request id', async () => {
    const res = await fetch(`${app.baseUrl}/api/health/live`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: 'Invalid JSON payload' });
    const ok = await fetch(`${app.baseUrl}/api/health/live`, { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
  });
});
