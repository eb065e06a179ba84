import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminTokenHeaders, login, TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { deliver, githubPush } from './helpers/webhooks.js';
import type { ExecutionList } from '@api-manager/contracts';
import { isFinal } from './helpers/runs.js';

/**
 * DESIGN.md guarantee 5, checked end to end on the built server as a real process: a secret header
 * and a secret param of a job never appear in any API response, SSE event, stored row or log line
 * (the process's whole stdout/stderr at LOG_LEVEL=trace is scanned), while the target does get them.
 */
const MAIN = new URL('../../dist/server/src/main.js', import.meta.url).pathname;
const SECRET_HEADER = 'Bearer hunter2-header-7f3a9c';
const SECRET_PARAM = 'p4ss-param-0d1e2f';
const SECRET_MARKERS = ['hunter2-header-7f3a9c', SECRET_PARAM];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

let db: TestDatabase;
let target: HttpTarget;
let other: HttpTarget;
let child: ChildProcess;
let output = '';
let baseUrl = '';
let headers: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:server first`);
  db = await createTestDatabase();
  target = await startHttpTarget();
  other = await startHttpTarget();
  dataDir = mkdtempSync(join(tmpdir(), 'apm-secrets-'));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'trace',
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      APP_SECRET: 'a-test-app-secret-of-at-least-32-characters',
      WORKER_POLL_MS: '200',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  await waitFor(
    async () => (await fetch(`${baseUrl}/api/health/ready`).catch(() => null))?.status === 200,
    60_000,
    'the server to be ready',
  );
  headers = { ...(await adminTokenHeaders(db.url)), 'content-type': 'application/json' };
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  await target?.close();
  await other?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** True when the SSE text `events` has an event of execution `id` with a final status. */
function sawFinalEvent(events: string, id: string): boolean {
  return events.split('\n').some((line) => {
    if (!line.startsWith('data:')) return false;
    try {
      const e = JSON.parse(line.slice('data:'.length)) as { id?: unknown; status?: unknown };
      return e.id === id && isFinal(e.status);
    } catch {
      return false;
    }
  });
}

describe('secrets never leave (a real server process)', () => {
  it('keeps a secret header and a secret param out of API responses, SSE events, rows and every log line', async () => {
    target.on('/echo', (req, res) => {
      // A hostile target echoes what it received, in headers and body.
      res.writeHead(502, { 'content-type': 'application/json', 'x-echo': String(req.headers.authorization) });
      res.end(JSON.stringify({ auth: req.headers.authorization, url: req.url, body: req.body }));
    });

    // Collect the SSE stream for the whole run, as the admin would (cookie session).
    const session = await login(baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    const abort = new AbortController();
    let events = '';
    const sse = await fetch(`${baseUrl}/api/v1/events`, { headers: { cookie: session.cookie }, signal: abort.signal });
    expect(sse.status).toBe(200);
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) events += decoder.decode(chunk);
      } catch {
        /* aborted */
      }
    })();

    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };

    const created = await api('POST', '/api/v1/jobs', {
      name: 'leaky',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/echo`,
        query: { pw: '{{ params.pw }}' },
        headers: { Authorization: { secret: true, value: SECRET_HEADER }, 'X-Pw': '{{ params.pw }}' },
        body: '{"pw":"{{ params.pw }}"}',
      },
      params: [{ name: 'pw', type: 'string', secret: true }],
      retry: { maxAttempts: 2, backoff: 'fixed', initialDelayMs: 100 },
    });
    expect(created.status).toBe(201);

    const rendered = await api('POST', '/api/v1/jobs/leaky/render', { params: { pw: SECRET_PARAM } });
    expect(rendered.status).toBe(200);
    const ran = await api('POST', '/api/v1/jobs/leaky/runs', { params: { pw: SECRET_PARAM } });
    expect(ran.status).toBe(202);
    const id = (JSON.parse(ran.text) as { execution: { id: string } }).execution.id;

    const detail = await waitFor(
      async () => {
        const d = await api('GET', `/api/v1/executions/${id}`);
        return ['failed', 'succeeded'].includes((JSON.parse(d.text) as { status: string }).status) ? d : null;
      },
      20_000,
      'the execution to finish',
    );
    // The target really received both secrets, on both attempts.
    const hits = target.hits('/echo');
    expect(hits).toHaveLength(2);
    expect(hits[0]!.headers.authorization).toBe(SECRET_HEADER);
    expect(hits[0]!.headers['x-pw']).toBe(SECRET_PARAM);
    expect(hits[0]!.body).toContain(SECRET_PARAM);

    const reads = await Promise.all([
      api('GET', '/api/v1/jobs/leaky'),
      api('GET', '/api/v1/jobs'),
      api('GET', '/api/v1/jobs/leaky/status'),
      api('GET', '/api/v1/executions?job=leaky'),
      api('GET', '/api/v1/audit'),
      api('POST', `/api/v1/executions/${id}/retry`),
    ]);
    for (const r of reads) expect(r.status).toBeLessThan(300);
    await waitFor(() => events.includes(id), 10_000, 'SSE events of the execution');
    // Let the retried run finish too (its log lines and events join the scan).
    await waitFor(async () => target.hits('/echo').length >= 3, 10_000, 'the retry to reach the target');
    const retryId = (JSON.parse(reads[5]!.text) as { execution: { id: string } }).execution.id;
    await waitFor(() => sawFinalEvent(events, retryId), 20_000, 'the final SSE event of the retry');
    abort.abort();
    await reading;

    const rows = JSON.stringify([
      await query(db.url, 'SELECT * FROM executions'),
      await query(db.url, 'SELECT * FROM execution_logs'),
      await query(db.url, 'SELECT * FROM audit_events'),
      await query(db.url, 'SELECT executor FROM jobs'),
    ]);
    const scanned: Record<string, string> = {
      'API responses': [created, rendered, ran, detail, ...reads].map((r) => r.text).join('\n'),
      'SSE events': events,
      'database rows': rows,
      'log output': output,
    };
    for (const [where, text] of Object.entries(scanned)) {
      expect(text.length).toBeGreaterThan(0);
      for (const marker of SECRET_MARKERS) {
        if (text.includes(marker)) throw new Error(`secret ${marker} found in ${where}`);
      }
    }
    // The scan looked at something real: the log has the request lines, the events name the execution.
    expect(output).toContain('/api/v1/jobs/leaky/runs');
    expect(events).toContain(id);
    expect(rows).toContain('***');
  });

  it('keeps secrets of schedules, chains, triggers, redirects, echoes, exports and query tokens out of every answer, log line and column', async () => {
    // One distinct value per field that accepts a secret (quotes, slashes, '+' and spaces so that the
    // URL-encoded, form-encoded and JSON-escaped forms differ from the value).
    const S = {
      key: 'k3y/"hdr"+api 5a1d',
      tok: 'tok/run+value 9c2e',
      dflt: 'dflt-secret-default-4b7a',
      schedImplicit: 'sched/implicit+tok 1f3b',
      schedExplicit: 'sched/explicit "note" 8d2c',
      stepImplicit: 'step/implicit+ctok 6e1a',
      stepExplicit: 'step/explicit "note" 2b9f',
      trigImplicit: 'trig/implicit+tok 7a4c',
      trigExplicit: 'trig/explicit "note" 3c8d',
      source: 'source-webhook-secret-5e6f',
      channel: 'chan-url-token-0a9b8c',
      query: 'query-access-token-1d2e',
      auth: 'Bearer redirect-auth-4f5a',
      xt: 'redirect-x-token-6b7c',
      hopTok: 'hop/param+tok 8e9f',
      applied: 'applied/schedule+tok 0c1d',
    };
    const values = Object.values(S);
    const forms = (v: string) =>
      [
        v,
        encodeURIComponent(v),
        new URLSearchParams({ x: v }).toString().slice(2),
        JSON.stringify(v).slice(1, -1),
        Buffer.from(v).toString('base64'),
      ].filter((f, i, a) => a.indexOf(f) === i);

    // What a target received, JSON bodies decoded (their values, unescaped).
    const received = (h: { body: string }) => {
      try {
        return Object.values(JSON.parse(h.body) as Record<string, unknown>).join(' ');
      } catch {
        return h.body;
      }
    };

    const session = await login(baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    const abort = new AbortController();
    let events = '';
    const sse = await fetch(`${baseUrl}/api/v1/events`, { headers: { cookie: session.cookie }, signal: abort.signal });
    expect(sse.status).toBe(200);
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) events += decoder.decode(chunk);
      } catch {
        /* aborted */
      }
    })();
    const answers: string[] = [];
    const api = async (method: string, path: string, body?: unknown, type = 'application/json') => {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...headers, 'content-type': type },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      answers.push(`${method} ${path} ${res.status} ${JSON.stringify(Object.fromEntries(res.headers))}\n${text}`);
      return { status: res.status, text, json: () => JSON.parse(text) };
    };
    const ok = async (method: string, path: string, body?: unknown, type?: string) => {
      const r = await api(method, path, body, type);
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.text}`);
      return r;
    };
    const finished = (id: string) =>
      waitFor(
        async () => {
          const d = (await api('GET', `/api/v1/executions/${id}`)).json();
          return ['failed', 'succeeded', 'timed_out'].includes(d.status) ? d : null;
        },
        20_000,
        `execution ${id} to finish`,
      );

    // A hostile target: echoes what it got, raw and encoded (URL, form, base64, JSON-escaped), in body and headers.
    target.on('/echo-all', (req, res) => {
      const got = [String(req.headers['x-api-key'] ?? ''), String(req.headers['x-from'] ?? ''), req.url, req.body];
      const text = got.join('|');
      const b64 = Buffer.from(text).toString('base64');
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-echo-b64': Buffer.from(String(req.headers['x-api-key'] ?? '')).toString('base64'),
        'x-echo-url': encodeURIComponent(String(req.headers['x-api-key'] ?? req.headers['x-from'] ?? '')),
      });
      res.end(
        JSON.stringify({
          auth: req.headers['x-api-key'] ?? null,
          raw: text,
          url: encodeURIComponent(text),
          form: new URLSearchParams({ x: text }).toString(),
          b64,
          // JSON-escaped, inside a string field (a text body quoted once more).
          json: JSON.stringify(got),
        }),
      );
    });
    target.on('/echo-text', (req, res) => {
      const got = [String(req.headers['x-from'] ?? ''), req.url, req.body];
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`raw=${got.join('|')} b64=${Buffer.from(got.join('|')).toString('base64')} json=${JSON.stringify(got)}`);
    });

    // A notification channel whose URL carries a token (stored encrypted).
    await ok('POST', '/api/v1/notifications/channels', {
      name: 'ops',
      type: 'slack',
      url: `${target.url}/slack/${S.channel}`,
    });

    // The chain's child: a secret param (given implicitly by the step), a plain one given as {secret: true},
    // and one rendered from the parent's secret param.
    await ok('POST', '/api/v1/jobs', {
      name: 'chained',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/echo-text`,
        query: { from: '{{ params.fromParent }}', resp: '{{ params.fromResponse }}' },
        headers: { 'X-From': 'v={{ params.fromParent }}' },
        body: { all: '{{ params.fromParent }} {{ params.ctok }} {{ params.note }} {{ params.fromResponse }}' },
      },
      params: [
        { name: 'fromParent', type: 'string' },
        { name: 'fromResponse', type: 'string' },
        { name: 'ctok', type: 'string', secret: true },
        { name: 'note', type: 'string' },
      ],
      notifications: [{ channel: 'ops', on: ['success', 'failure'] }],
    });
    await ok('POST', '/api/v1/jobs', {
      name: 'parent',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/echo-all`,
        query: { tok: '{{ params.tok }}', note: '{{ params.note }}' },
        headers: { 'X-Api-Key': { secret: true, value: S.key }, 'X-From': '{{ params.tok }}' },
        body: { tok: '{{ params.tok }}', note: '{{ params.note }}', dflt: '{{ params.dflt }}' },
      },
      params: [
        { name: 'tok', type: 'string', secret: true },
        { name: 'note', type: 'string' },
        { name: 'dflt', type: 'string', secret: true, default: S.dflt },
        { name: 'branch', type: 'string' },
      ],
      onSuccess: [
        {
          job: 'chained',
          params: {
            fromParent: '{{ parent.params.tok }}',
            fromResponse: '{{ parent.response.json.auth }}',
            ctok: S.stepImplicit,
            note: { secret: true, value: S.stepExplicit },
          },
        },
      ],
      triggers: {
        github: [
          {
            repository: 'org/repo',
            branches: ['main'],
            watchFiles: ['src/**'],
            params: { tok: S.trigImplicit, note: { secret: true, value: S.trigExplicit }, branch: '{{ push.branch }}' },
          },
        ],
      },
      notifications: [{ channel: 'ops', on: ['success', 'failure'] }],
    });

    // 1. By hand: the parent runs, the chain renders its secrets into the child.
    const manual = (
      await ok('POST', '/api/v1/jobs/parent/runs', { params: { tok: S.tok, note: 'plain-note' } })
    ).json();
    const parentRun = await finished(manual.execution.id);
    expect(parentRun.status).toBe('succeeded');
    const childRun = await waitFor(
      async () => {
        const list = (await api('GET', `/api/v1/executions?job=chained`)).json();
        const c = (list as ExecutionList).items.find((e) => e.parentId === parentRun.id);
        return c ? finished(c.id) : null;
      },
      20_000,
      'the chained child',
    );
    expect(childRun.status).toBe('failed'); // /echo-text answers 500: the failure path is scanned too
    const childHit = target.hits('/echo-text').at(-1)!;
    expect(childHit.headers['x-from']).toBe(`v=${S.tok}`);
    for (const v of [S.tok, S.stepImplicit, S.stepExplicit, S.key]) expect(received(childHit)).toContain(v);

    // 2. A schedule with the secret in both forms; it fires, and the target gets the values.
    const sched = (
      await ok('POST', '/api/v1/schedules', {
        job: 'parent',
        intervalSeconds: 1,
        params: { tok: S.schedImplicit, note: { secret: true, value: S.schedExplicit } },
      })
    ).json();
    await waitFor(
      () =>
        target
          .hits('/echo-all')
          .some((h) => received(h).includes(S.schedImplicit) && received(h).includes(S.schedExplicit)),
      20_000,
      'the schedule to fire with its secrets',
    );
    await ok('POST', `/api/v1/schedules/${sched.id}/pause`);
    const shownSchedule = (await ok('GET', `/api/v1/schedules/${sched.id}`)).json();
    expect(shownSchedule.params).toEqual({ tok: { secret: true, set: true }, note: { secret: true, set: true } });
    // Editing another field keeps the sealed values; {secret: true} keeps one, a new value replaces it.
    await ok('PATCH', `/api/v1/schedules/${sched.id}`, { params: { tok: { secret: true }, note: { secret: true } } });

    // 3. A webhook source with its secret; a push runs the trigger with its params.
    await ok('POST', '/api/v1/webhooks/sources', { provider: 'github', repository: 'org/repo', secret: S.source });
    const pushed = await deliver(baseUrl, githubPush({ commits: [{ modified: ['src/a.ts'] }] }), { secret: S.source });
    answers.push(JSON.stringify(pushed.body));
    expect(pushed.status).toBe(200);
    expect(pushed.body.triggered_jobs).toEqual(['parent']);
    await waitFor(
      () =>
        target
          .hits('/echo-all')
          .some((h) => received(h).includes(S.trigImplicit) && received(h).includes(S.trigExplicit)),
      20_000,
      'the trigger run with its secrets',
    );

    // 4. Redirects: same origin keeps the credentials, another origin (another port) gets none of them.
    target.on('/hop', (_req, res) => {
      res.writeHead(307, { location: '/hop2' });
      res.end();
    });
    target.on('/hop2', (_req, res) => {
      res.writeHead(302, { location: `${other.url}/landing?keep=1` });
      res.end();
    });
    other.on('/landing', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"landed":true}');
    });
    await ok('POST', '/api/v1/jobs', {
      name: 'hopper',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/hop`,
        followRedirects: true,
        query: { q: '{{ params.tok }}' },
        headers: {
          Authorization: { secret: true, value: S.auth },
          'X-Token': { secret: true, value: S.xt },
          'X-Derived': 'v={{ params.tok }}',
          Cookie: 'session=plain-cookie',
          'X-Plain': 'kept',
        },
        body: { t: '{{ params.tok }}' },
      },
      params: [{ name: 'tok', type: 'string', secret: true }],
    });
    const hop = await finished(
      (await ok('POST', '/api/v1/jobs/hopper/runs', { params: { tok: S.hopTok } })).json().execution.id,
    );
    expect(hop.status).toBe('succeeded');
    const [first] = target.hits('/hop');
    const [sameOrigin] = target.hits('/hop2');
    const [landed] = other.hits('/landing');
    expect(first!.headers.authorization).toBe(S.auth);
    expect(sameOrigin!.headers.authorization).toBe(S.auth);
    expect(sameOrigin!.headers['x-token']).toBe(S.xt);
    expect(landed).toBeDefined();
    for (const h of ['authorization', 'x-token', 'x-derived', 'cookie']) expect(landed!.headers[h]).toBeUndefined();
    expect(landed!.headers['x-plain']).toBe('kept');
    expect(landed!.url).toBe('/landing?keep=1');
    expect(sameOrigin!.method).toBe('POST'); // 307 keeps the method and body
    expect(received(sameOrigin!)).toContain(S.hopTok);
    expect([landed!.method, landed!.body]).toEqual(['GET', '']); // 302 after a POST: a GET without body

    // 5. Config as code: apply a file with secrets in a schedule, a chain step and a trigger twice, then
    // the export: the second apply and the export's apply change nothing.
    const doc = {
      jobs: [
        {
          name: 'applied',
          executor: { kind: 'http', url: `${target.url}/ok` },
          params: [
            { name: 'tok', type: 'string', secret: true },
            { name: 'note', type: 'string' },
          ],
          onSuccess: [{ job: 'applied-child', params: { ctok: S.applied, note: { secret: true, value: S.applied } } }],
          triggers: {
            github: [
              {
                repository: 'org/other',
                watchFiles: ['x/**'],
                params: { tok: S.applied, note: { secret: true, value: S.applied } },
              },
            ],
          },
          schedules: [
            {
              name: 'nightly',
              cron: '0 0 3 * * *',
              params: { tok: S.applied, note: { secret: true, value: S.applied } },
            },
          ],
        },
        {
          name: 'applied-child',
          executor: { kind: 'http', url: `${target.url}/ok` },
          params: [
            { name: 'ctok', type: 'string', secret: true },
            { name: 'note', type: 'string' },
          ],
        },
      ],
    };
    const apply = async (text: string) =>
      (await ok('POST', '/api/v1/config/apply', text, 'application/yaml')).json() as {
        changes: { action: string; name?: string; fields?: string[] }[];
      };
    const firstApply = await apply(JSON.stringify(doc));
    expect(firstApply.changes.map((c) => c.action)).toContain('create');
    const again = await apply(JSON.stringify(doc));
    expect(again.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);
    const exported = (await ok('GET', '/api/v1/config/export')).text;
    expect(exported).toContain('secret: true');
    const reapplied = await apply(exported);
    expect(reapplied.changes.filter((c) => c.action !== 'unchanged')).toEqual([]);

    // 6. A token in the query string is refused, and not logged.
    const refused = await fetch(`${baseUrl}/api/v1/jobs?access_token=${S.query}&api_key=${S.query}`);
    answers.push(await refused.text());
    expect(refused.status).toBe(401);

    // Reads of everything, as a viewer of the UI would.
    const lists = ['/api/v1/jobs', '/api/v1/schedules', '/api/v1/executions?limit=200', '/api/v1/audit'];
    for (const path of [...lists, '/api/v1/jobs/parent', '/api/v1/jobs/chained', '/api/v1/jobs/applied']) {
      await ok('GET', path);
    }
    for (const e of (await ok('GET', '/api/v1/executions?limit=200')).json().items) {
      await ok('GET', `/api/v1/executions/${e.id}`);
    }
    await ok('POST', '/api/v1/jobs/parent/render', { params: { tok: S.tok } });
    for (const d of (await ok('GET', '/api/v1/webhooks/deliveries')).json().items) {
      await ok('GET', `/api/v1/webhooks/deliveries/${d.id}`);
    }
    // Notifications were sent (success and failure), without secrets.
    await waitFor(() => target.hits(`/slack/${S.channel}`).length >= 2, 20_000, 'notifications');
    const notifications = target
      .hits(`/slack/${S.channel}`)
      .map((r) => r.body)
      .join('\n');
    await new Promise((r) => setTimeout(r, 1000));
    abort.abort();
    await reading;

    // Every text and jsonb column of every table.
    const columns = await query<{ table_name: string; column_name: string }>(
      db.url,
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = 'public' AND data_type IN ('text', 'jsonb', 'json', 'character varying', 'ARRAY')
        ORDER BY table_name, column_name`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const rows: string[] = [];
    for (const c of columns) {
      const found = await query<{ v: string | null }>(
        db.url,
        `SELECT "${c.column_name}"::text AS v FROM "${c.table_name}" WHERE "${c.column_name}" IS NOT NULL`,
      );
      for (const r of found) rows.push(`${c.table_name}.${c.column_name}: ${r.v}`);
    }
    const scanned: Record<string, string> = {
      'API responses': answers.join('\n'),
      'SSE events': events,
      'database rows': rows.join('\n'),
      'log output': output,
      notifications,
    };
    const leaks: string[] = [];
    for (const [where, text] of Object.entries(scanned)) {
      expect(text.length).toBeGreaterThan(0);
      for (const v of values) {
        for (const f of forms(v)) {
          if (text.includes(f)) {
            const at = text.indexOf(f);
            leaks.push(
              `${JSON.stringify(f)} (of ${JSON.stringify(v)}) in ${where}: …${text.slice(Math.max(0, at - 200), at + 60)}…`,
            );
          }
        }
      }
    }
    expect(leaks).toEqual([]);
    // The scan saw the real thing: every path ran and the rows hold sealed values.
    expect(rows.join('\n')).toContain('enc:v1:');
    expect(output).toContain('access_token=[REDACTED]');
    expect(events).toContain(childRun.id);
  });
});
