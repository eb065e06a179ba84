import { LIMITS } from '@api-manager/contracts';
import { startTestApp, type TestApp } from './helpers/app.js';
import { query } from './helpers/database.js';

// DESIGN guarantee 7: no input can stall the server; every list has a documented cap (README "Limits").

describe('limits: linear-time patterns, fan-out cap, list caps', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false', FANOUT_MAX: '50' });
    const job = await app.api('POST', '/api/v1/jobs', {
      name: 'evil',
      executor: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/x' },
      params: [
        { name: 'v', type: 'string', pattern: '^(a+)+$' },
        { name: 'list', type: 'string[]', pattern: '^(a|aa)+$' },
      ],
    });
    expect(job.status).toBe(201);
    const fan = await app.api('POST', '/api/v1/jobs', {
      name: 'fan',
      executor: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/x' },
      params: [
        { name: 'ids', type: 'string[]', fanOut: true },
        { name: 'note', type: 'string' },
      ],
    });
    expect(fan.status).toBe(201);
  });
  afterAll(() => app.close());

  it('a backtracking param pattern checks a hostile value at once (RE2), and health/live keeps answering', async () => {
    // On JavaScript's RegExp, ^(a+)+$ against 32 a's and a b blocks the event loop for seconds (doubling per a).
    const value = 'a'.repeat(32) + 'b';
    const live = probeLive(app);
    const res = await app.api('POST', '/api/v1/jobs/evil/render', {
      params: { v: value, list: [value, 'a'.repeat(30) + '!'] },
    });
    const probes = await live.stop();
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(expect.arrayContaining([`params.v must match ^(a+)+$`]));
    expect(probes.failed).toBe(0);
    expect(probes.answered).toBeGreaterThan(0);
    // a matching value still passes
    expect((await app.api('POST', '/api/v1/jobs/evil/render', { params: { v: 'aaaa' } })).status).toBe(200);
  });

  it('a pattern RE2 cannot run (backreference, lookahead) or a too long one is refused at save time', async () => {
    for (const pattern of ['(a)\\1', '^(?=a)a$', 'a'.repeat(LIMITS.paramPatternMaxLength + 1)]) {
      const res = await app.api('POST', '/api/v1/jobs', {
        name: 'bad-pattern',
        executor: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/x' },
        params: [{ name: 'v', type: 'string', pattern }],
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(/params\.0\.pattern must be/);
    }
    expect(await query(app.db.url, `SELECT 1 FROM jobs WHERE name = 'bad-pattern'`)).toHaveLength(0);
  });

  it('param values and plain lists have a length cap', async () => {
    const long = 'a'.repeat(LIMITS.paramValueMaxLength + 1);
    const res = await app.api('POST', '/api/v1/jobs/fan/render', { params: { ids: ['x'], note: long } });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual([`params.note must be at most ${LIMITS.paramValueMaxLength} characters`]);
    const many = Array.from({ length: LIMITS.paramListMaxItems + 1 }, () => 'a');
    const res2 = await app.api('POST', '/api/v1/jobs/evil/render', { params: { list: many } });
    expect(res2.status).toBe(400);
    expect(res2.body.message).toEqual([`params.list must have at most ${LIMITS.paramListMaxItems} items`]);
  });

  it('a fan-out longer than FANOUT_MAX is a 400 naming the param and writes nothing', async () => {
    const before = await query(app.db.url, `SELECT count(*)::int AS n FROM executions`);
    const ids = Array.from({ length: 51 }, (_, i) => `d${i}`);
    const res = await app.api('POST', '/api/v1/jobs/fan/runs', { params: { ids } });
    expect(res.status).toBe(400);
    expect(res.body.message).toEqual(['params.ids has 51 items: a run fans out to at most 50 (FANOUT_MAX)']);
    expect(await query(app.db.url, `SELECT count(*)::int AS n FROM executions`)).toEqual(before);
  });

  it('fan-out children carry their own item, not the whole list (that made the INSERT quadratic)', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `d${i}`);
    const res = await app.api('POST', '/api/v1/jobs/fan/runs', { params: { ids, note: 'n' } });
    expect(res.status).toBe(202);
    const children = await query<{ params: Record<string, unknown> }>(
      app.db.url,
      `SELECT params FROM executions WHERE parent_id = $1 ORDER BY created_at`,
      [res.body.execution?.id ?? res.body.id],
    );
    expect(children).toHaveLength(50);
    expect(children[0].params).toEqual({ ids: 'd0', note: 'n' });
    expect(children[49].params).toEqual({ ids: 'd49', note: 'n' });
  });
});

/** Polls /api/health/live back to back until stopped; counts answers and failures, keeps the max latency. */
export function probeLive(app: TestApp) {
  let running = true;
  let answered = 0;
  let failed = 0;
  let maxMs = 0;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      try {
        const res = await fetch(`${app.baseUrl}/api/health/live`, { signal: AbortSignal.timeout(5000) });
        await res.arrayBuffer();
        if (res.status === 200) answered++;
        else failed++;
      } catch {
        failed++;
      }
      maxMs = Math.max(maxMs, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { answered, failed, maxMs };
    },
  };
}
