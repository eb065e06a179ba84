import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from './helpers/app.js';

/**
 * Issue 20: the run dialog shows what a run will get. POST /jobs/:idOrName/resolve applies
 * defaults and templates on the server (any executor kind), so the admin and the run agree.
 */
describe('POST /api/v1/jobs/:idOrName/resolve', () => {
  let app: TestApp;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apm-resolve-'));
    app = await startTestApp({
      COMMAND_JOBS_ENABLED: 'true',
      COMMAND_WORKSPACE_DIR: join(dir, 'ws'),
      WORKER_POLL_MS: '100',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'error',
    });
    const created = await app.api('POST', '/api/v1/jobs', {
      name: 'per-device',
      executor: {
        kind: 'command',
        script: 'echo "$DEVICE $DAY"',
        env: { DEVICE: '{{ params.device_id }}', DAY: '{{ params.date }}' },
      },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, default: ['dev-a', 'dev-b', 'dev-c'] },
        { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
        { name: 'token', type: 'string', secret: true, default: { secret: true, value: 'the-secret-default' } },
      ],
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies list defaults and resolves date templates in the zone, for a command job (render cannot)', async () => {
    // 20:00 UTC on Dec 2 is 05:00 on Dec 3 in Tokyo.
    const res = await app.api('POST', '/api/v1/jobs/per-device/resolve', { now: '2026-12-02T20:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      params: { device_id: ['dev-a', 'dev-b', 'dev-c'], date: '2026-12-03', token: '***' },
      fanOut: { param: 'device_id', items: ['dev-a', 'dev-b', 'dev-c'] },
      now: '2026-12-02T20:00:00.000Z',
    });
    expect(typeof res.body.timezone).toBe('string');
    expect(JSON.stringify(res.body)).not.toContain('the-secret-default');
    // given values win; bad ones are a 400 naming the field
    const given = await app.api('POST', '/api/v1/jobs/per-device/resolve', { params: { device_id: ['x'] } });
    expect(given.body.fanOut.items).toEqual(['x']);
    const bad = await app.api('POST', '/api/v1/jobs/per-device/resolve', { params: { date: 'soon' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('params.date');
    expect((await app.api('POST', '/api/v1/jobs/nope/resolve', {})).status).toBe(404);
  });

  it('agrees with the run: the same items become child runs with the same resolved date', async () => {
    const preview = (await app.api('POST', '/api/v1/jobs/per-device/resolve', {})).body;
    const run = await app.api('POST', '/api/v1/jobs/per-device/runs', { params: {} });
    expect(run.status).toBe(202);
    const id = run.body.execution.id as string;
    let detail: { children: Array<{ params: Record<string, unknown> }> } = { children: [] };
    for (let i = 0; i < 100 && detail.children.length < 3; i++) {
      detail = (await app.api('GET', `/api/v1/executions/${id}`)).body;
      if (detail.children.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(detail.children.map((c) => c.params.device_id).sort()).toEqual(preview.fanOut.items);
    // (a run a second after the preview could cross midnight in the zone; the test's clock does not)
    for (const c of detail.children) expect(c.params.date).toBe(preview.params.date);
  });

  it('needs what a run needs (operator, scope run), and writes no audit event', async () => {
    expect((await app.api('POST', '/api/v1/jobs/per-device/resolve', {}, await app.as('viewer'))).status).toBe(403);
    const runner = await app.as('operator', ['read', 'run']);
    expect((await app.api('POST', '/api/v1/jobs/per-device/resolve', {}, runner)).status).toBe(200);
    const audit = (await app.api('GET', '/api/v1/audit?limit=200')).body.items as Array<{ meta: { path?: string } }>;
    expect(audit.some((e) => String(e.meta?.path ?? '').endsWith('/resolve'))).toBe(false);
  });
});
