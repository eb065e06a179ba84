import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { adminTokenHeaders, TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';

// `npm start` is `node scripts/start.mjs`: a Ctrl-C in the terminal sends SIGINT to its whole
// process group, so the server gets it twice (from the terminal and forwarded by start.mjs).
// One Ctrl-C must be one graceful shutdown: running work drains, exit code 0.

const ROOT = new URL('../../', import.meta.url).pathname;
const START = join(ROOT, 'scripts/start.mjs');
const BUILT = [join(ROOT, 'dist/server/src/main.js'), join(ROOT, 'dist/admin/browser/index.html')];

/** A free port in 44000-44099 (the range this project's tests may listen on). */
async function freeTestPort(): Promise<number> {
  for (let port = 44000; port < 44100; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const s = net.createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port in 44000-44099');
}

let db: TestDatabase;
let target: HttpTarget;
let child: ChildProcess | undefined;
let dataDir: string;
let output = '';
let adminHeaders: Record<string, string> | undefined;

beforeAll(async () => {
  for (const f of BUILT) if (!existsSync(f)) throw new Error(`${f} is missing: run npm run build first`);
  db = await createTestDatabase();
  target = await startHttpTarget();
  dataDir = mkdtempSync(join(tmpdir(), 'apm-start-'));
});

afterAll(async () => {
  if (child && child.exitCode === null && child.pid) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid, 'SIGKILL');
    await exited;
  }
  await target?.close();
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** `node scripts/start.mjs` in its own process group (as a terminal runs `npm start`), ready. */
async function startServer() {
  const port = await freeTestPort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // Its own process group, as a terminal gives `npm start`: the group is what Ctrl-C signals.
  child = spawn(process.execPath, [START], {
    cwd: ROOT,
    detached: true,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
      APP_SECRET: 'a-test-app-secret-of-at-least-32-characters',
      WORKER_POLL_MS: '200',
      SHUTDOWN_GRACE_MS: '20000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child!.once('exit', (code, signal) => resolve({ code, signal })),
  );
  await waitFor(
    async () => (await fetch(`${baseUrl}/api/health/ready`).catch(() => null))?.status === 200,
    120_000,
    'the server to be ready',
  ).catch((err: Error) => {
    throw new Error(`${err.message}; output:\n${output.slice(-3000)}`);
  });
  adminHeaders ??= { ...(await adminTokenHeaders(db.url)), 'content-type': 'application/json' };
  return { baseUrl, exit, headers: adminHeaders };
}

describe('npm start and Ctrl-C', () => {
  it('one SIGINT to the process group is one graceful shutdown: the running execution finishes, exit 0', async () => {
    const { baseUrl, exit, headers } = await startServer();

    // A call that is in flight when Ctrl-C comes, answered only after the server started shutting down.
    let answer: (() => void) | undefined;
    target.on('/slow', (_req, res) => {
      answer = () => res.end('done');
    });
    const created = await fetch(`${baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'slow', executor: { kind: 'http', url: `${target.url}/slow`, timeoutMs: 30000 } }),
    });
    expect(created.status).toBe(201);
    const run = await fetch(`${baseUrl}/api/v1/jobs/slow/runs`, { method: 'POST', headers, body: '{}' });
    expect(run.status).toBe(202);
    const id = ((await run.json()) as { execution: { id: string } }).execution.id;
    await waitFor(() => answer !== undefined, 15_000, 'the call to be in flight');

    process.kill(-child!.pid!, 'SIGINT'); // Ctrl-C: the whole group (start.mjs and the server)
    await waitFor(() => /SIGINT received: shutting down/.test(output), 10_000, 'the server to start shutting down');
    // (the old behaviour: the second SIGINT, forwarded by start.mjs, forced an exit here)
    await new Promise((r) => setTimeout(r, 300));
    answer!();

    const { code, signal } = await exit;
    expect({ code, signal, forced: /again: exiting now/.test(output) }).toEqual({
      code: 0,
      signal: null,
      forced: false,
    });
    const [row] = await query<{ status: string }>(db.url, 'SELECT status FROM executions WHERE id = $1', [id]);
    expect(row.status).toBe('succeeded');
  });

  it('a second Ctrl-C more than 1 s after the first forces the exit (code 1)', async () => {
    output = '';
    const { baseUrl, exit, headers } = await startServer();
    target.on('/never', () => undefined);
    await fetch(`${baseUrl}/api/v1/jobs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name: 'never', executor: { kind: 'http', url: `${target.url}/never`, timeoutMs: 60000 } }),
    });
    expect((await fetch(`${baseUrl}/api/v1/jobs/never/runs`, { method: 'POST', headers, body: '{}' })).status).toBe(
      202,
    );
    await waitFor(() => target.hits('/never').length === 1, 15_000, 'the call to be in flight');
    process.kill(-child!.pid!, 'SIGINT');
    await waitFor(() => /SIGINT received: shutting down/.test(output), 10_000, 'the server to start shutting down');
    await new Promise((r) => setTimeout(r, 1500));
    process.kill(-child!.pid!, 'SIGINT');
    const { code } = await exit;
    expect({ code, forced: /again: exiting now/.test(output) }).toEqual({ code: 1, forced: true });
  });
});
