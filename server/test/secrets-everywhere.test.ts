import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminTokenHeaders, login, TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';

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
let child: ChildProcess;
let output = '';
let baseUrl = '';
let headers: Record<string, string>;
let dataDir: string;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:server first`);
  db = await createTestDatabase();
  target = await startHttpTarget();
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
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

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
    await new Promise((r) => setTimeout(r, 1000));
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
});
