import { startTestApp, type TestApp } from './helpers/app.js';
import { query } from './helpers/database.js';

// Regressions found by the chaos suite's hostile-input scenario (chaos/scenarios/hostile-input.mjs):
// each of these answered 500 before.

const ZERO = '00000000-0000-0000-0000-000000000000';
const cursor = (ts: string, id = ZERO) => Buffer.from(JSON.stringify([ts, id])).toString('base64url');

async function raw(app: TestApp, method: string, path: string, body?: string, contentType = 'application/json') {
  const res = await fetch(app.baseUrl + path, {
    method,
    headers: { ...app.authHeaders, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body,
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  // An error answer's message (a string or a list of them); undefined for a body that is not an object.
  return { status: res.status, body: { message: (json as { message?: unknown } | null)?.message } };
}

describe('hostile input answers 4xx with a message, never 500', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' });
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'hostile',
      executor: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/x' },
    });
    expect(res.status).toBe(201);
  });
  afterAll(() => app.close());

  it('an executions cursor whose time Postgres cannot read is a 400 (it went to the database raw)', async () => {
    for (const ts of ['1', '0', '99999', '+275760-09-13T00:00:00.000Z']) {
      const res = await app.api('GET', `/api/v1/executions?cursor=${cursor(ts)}`);
      expect({ ts, status: res.status }).toEqual({ ts, status: 400 });
      expect(JSON.stringify(res.body.message)).toMatch(/cursor|date|time/i);
    }
    // a well-formed cursor still pages
    expect((await app.api('GET', `/api/v1/executions?cursor=${cursor('2030-01-01T00:00:00.000000Z')}`)).status).toBe(
      200,
    );
  });

  it('a NUL character in the path, the query or a JSON body is a 400 and writes nothing', async () => {
    const cases: Array<[string, string, string?]> = [
      ['GET', '/api/v1/jobs/%00'],
      ['POST', '/api/v1/jobs/a%00b/runs', '{}'],
      ['GET', '/api/v1/jobs?q=%00'],
      ['GET', '/api/v1/executions?job=x%00'],
      ['GET', '/api/v1/audit?actor=%00'],
      ['GET', '/api/v1/webhooks/deliveries?repository=%00'],
      [
        'POST',
        '/api/v1/jobs',
        JSON.stringify({ name: 'nul', title: 'a\u0000b', executor: { kind: 'http', url: 'http://127.0.0.1:9/' } }),
      ],
      ['POST', '/api/v1/jobs/hostile/runs', JSON.stringify({ params: { ['k\u0000']: 1 } })],
    ];
    for (const [method, path, body] of cases) {
      const res = await raw(app, method, path, body);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.message).toMatch(/NUL/);
    }
    expect((await query(app.db.url, `SELECT 1 FROM jobs WHERE name = 'nul'`)).length).toBe(0);
  });

  it('a Postgres format error of a query sent through the raw pg pool is a 400 (the filter maps pg errors too)', async () => {
    // well-formed for the cursor check and for Date.parse, but not a date for Postgres
    const res = await app.api('GET', `/api/v1/executions?cursor=${cursor('2020-02-30T00:00:00Z')}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/date or time/);
  });

  it('JSON nested thousands of levels deep is a 400, not a stack overflow', async () => {
    const deep = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const path of ['/api/v1/tokens', '/api/v1/webhooks/github/dry-run', '/api/v1/jobs']) {
      const res = await raw(app, 'POST', path, deep(3000));
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body.message).toMatch(/nested deeper than 64/);
    }
    // brackets inside strings do not count; ordinary nesting still passes the parser
    const ok = await raw(
      app,
      'POST',
      '/api/v1/jobs/hostile/runs',
      JSON.stringify({ idempotencyKey: '[[[['.repeat(40) }),
    );
    expect(ok.status).toBe(202);
  });

  it('jobs.yaml with recursive or exploding aliases is a 400', async () => {
    const bombs = [
      '&a [*a, *a, *a, *a]',
      'a: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n',
    ];
    for (const text of bombs) {
      const res = await raw(app, 'POST', '/api/v1/config/apply?dryRun=true', text, 'application/yaml');
      expect({ text, status: res.status }).toEqual({ text, status: 400 });
      expect(JSON.stringify(res.body.message)).toMatch(/YAML: (an alias refers|Excessive alias)/);
    }
  });

  it('a URL over 16 KB gets a 431 whose JSON body says so (Node answered an empty 431)', async () => {
    const { request } = await import('node:http');
    const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${app.baseUrl}/api/v1/jobs?q=${'x'.repeat(20_000)}`, { headers: app.authHeaders }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(res.status).toBe(431);
    expect(JSON.parse(res.body).message).toMatch(/larger than 16 KB/);
  });
});
