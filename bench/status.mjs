#!/usr/bin/env node
// Dashboard status benchmark (not a test): the admin dashboard shows JOBS (20) jobs' status. It used
// to make one GET /api/v1/jobs/:name/status per job (4 in flight, as the admin's status store did);
// now it makes one GET /api/v1/jobs/-/status?names=… . Both are timed on a history of ROWS executions.
//
//   npm run build:server && npm run bench:status
//
// Env: ROWS (executions, default 1000000, loaded with generate_series), DAYS (spread over the last
// DAYS days, default 7: every row in the status window, the worst case), JOBS_TOTAL (jobs in the
// database, default 50), JOBS (jobs on the dashboard, default 20), REPEAT (timed dashboard loads per
// variant, default 10, after 2 warm-ups), BENCH_DIST (the build to measure, default dist),
// BENCH_DIST_BEFORE (optional: another build, e.g. of the commit before, whose single calls are timed
// too on the same database), DATABASE_URL or an embedded Postgres (BENCH_PG_PORT, default 54372).
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { cpuMs, freePort, freshDb, postgres, postmasterPid, ready, root, round } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 1_000_000);
const DAYS = Number(process.env.DAYS ?? 7);
const JOBS_TOTAL = Number(process.env.JOBS_TOTAL ?? 50);
const JOBS = Number(process.env.JOBS ?? 20);
const REPEAT = Number(process.env.REPEAT ?? 10);
const DIST = path.resolve(root, process.env.BENCH_DIST ?? 'dist');
const DIST_BEFORE = process.env.BENCH_DIST_BEFORE ? path.resolve(root, process.env.BENCH_DIST_BEFORE) : null;

for (const d of [DIST, DIST_BEFORE].filter(Boolean)) {
  if (!existsSync(path.join(d, 'server/src/main.js'))) {
    console.log(`${d}/server/src/main.js missing: npm run build:server`);
    process.exit(1);
  }
}

console.log(
  `ROWS=${ROWS} over ${DAYS} days, ${JOBS_TOTAL} jobs, dashboard of ${JOBS}, REPEAT=${REPEAT}, ${os.cpus().length} CPUs`,
);
const { serverUrl, stop: stopPg } = await postgres(54372);
const results = [];
let c;
try {
  const dbUrl = await freshDb(serverUrl, 'apm_bench_status');
  // The first server start migrates the database.
  let server = await startServer(DIST, dbUrl);
  c = new pg.Client({ connectionString: dbUrl });
  await c.connect();
  const t0 = performance.now();
  await seed(c);
  const seedSeconds = (performance.now() - t0) / 1000;
  console.log(`seeded in ${seedSeconds.toFixed(0)} s`);
  const headers = await token(c);
  const names = Array.from({ length: JOBS }, (_, i) => `bench-${i + 1}`);
  const pm = await postmasterPid(c);

  const variants = [];
  if (DIST_BEFORE) variants.push({ dist: DIST_BEFORE, label: 'before', mode: 'single' });
  variants.push({ dist: DIST, label: 'after', mode: 'single' }, { dist: DIST, label: 'after', mode: 'batch' });
  let current = DIST;
  for (const v of variants) {
    if (v.dist !== current) {
      await server.stop();
      server = await startServer(v.dist, dbUrl);
      current = v.dist;
    }
    results.push(await measure(server, headers, names, v, pm));
  }
  // The answers must agree (same build: batched vs single).
  const one = await Promise.all(names.slice(0, 3).map((n) => get(server, headers, `/api/v1/jobs/${n}/status`)));
  const many = await get(server, headers, `/api/v1/jobs/-/status?names=${names.slice(0, 3).join(',')}`);
  const same = JSON.stringify(one) === JSON.stringify(many.items);
  console.log(`batched answers equal the single answers: ${same}`);
  await server.stop();

  const single = results.find((r) => r.label === 'after' && r.mode === 'single');
  const before = results.find((r) => r.label === 'before');
  const batch = results.find((r) => r.mode === 'batch');
  const table = render(results, { single, before, batch });
  console.log('\n' + table);
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(
    path.join(root, 'bench/results/status.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpus: os.cpus().length,
        node: process.version,
        postgres: (await c.query('SHOW server_version')).rows[0].server_version,
        rows: ROWS,
        days: DAYS,
        jobsTotal: JOBS_TOTAL,
        jobs: JOBS,
        repeat: REPEAT,
        seedSeconds,
        sameAnswers: same,
        results,
        table,
      },
      null,
      2,
    ) + '\n',
  );
  console.log('\nwrote bench/results/status.json');
} finally {
  await c?.end();
  await stopPg();
}

async function seed(c) {
  await c.query(
    `INSERT INTO jobs (name, executor)
     SELECT 'bench-' || g, '{"kind":"http","url":"http://127.0.0.1:9/"}' FROM generate_series(1, $1::int) g`,
    [JOBS_TOTAL],
  );
  // Finished rows spread evenly over DAYS days: 1 in 10 a fan-out child, 1 in 12 failed; durations vary.
  await c.query(
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms)
     SELECT j.id, j.name, CASE WHEN (g / $3::int) % 10 = 0 THEN 'fanout' ELSE 'schedule' END,
            CASE WHEN g % 12 = 0 THEN 'failed' ELSE 'succeeded' END, t, t, t, t, 10 + g % 500
       FROM generate_series(1, $1::int) g
       JOIN LATERAL (SELECT now() - (g * (interval '1 day' * $2::int / $1::int)) AS t) ts ON true
       JOIN jobs j ON j.name = 'bench-' || (1 + g % $3::int)`,
    [ROWS, DAYS, JOBS_TOTAL],
  );
  await c.query(
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at)
     SELECT j.id, j.name, 'api', 'queued', now() + interval '1 hour', now()
       FROM generate_series(1, 200) g JOIN jobs j ON j.name = 'bench-' || (1 + g % $1::int)`,
    [JOBS_TOTAL],
  );
  await c.query(
    `INSERT INTO schedules (job_id, name, interval_seconds, next_run_at)
     SELECT id, 's-' || name, 3600, now() + interval '1 hour' FROM jobs`,
  );
  await c.query('VACUUM ANALYZE executions');
  await c.query('VACUUM ANALYZE schedules');
  await c.query('VACUUM ANALYZE jobs');
}

async function token(c) {
  const { rows } = await c.query(`SELECT id FROM users WHERE role = 'admin' ORDER BY created_at LIMIT 1`);
  const t = 'amk_' + randomBytes(32).toString('base64url');
  await c.query(
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes) VALUES ($1, 'bench', $2, $3, '{admin}')`,
    [rows[0].id, createHash('sha256').update(t).digest('hex'), t.slice(0, 8)],
  );
  return { authorization: `Bearer ${t}` };
}

async function get(server, headers, p) {
  const res = await fetch(server.url + p, { headers });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`GET ${p}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** One dashboard load: JOBS single calls 4 in flight (the old status store), or one batched call. */
async function load(server, headers, names, mode) {
  if (mode === 'batch') return get(server, headers, `/api/v1/jobs/-/status?names=${names.join(',')}`);
  const queue = [...names];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let n = queue.shift(); n; n = queue.shift()) await get(server, headers, `/api/v1/jobs/${n}/status`);
    }),
  );
}

async function measure(server, headers, names, v, pm) {
  for (let i = 0; i < 2; i++) await load(server, headers, names, v.mode);
  const cpu0 = await cpuMs([server.pid], pm);
  const times = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    await load(server, headers, names, v.mode);
    times.push(performance.now() - t0);
  }
  const cpu1 = await cpuMs([server.pid], pm);
  times.sort((a, b) => a - b);
  const r = {
    label: v.label,
    mode: v.mode,
    calls: v.mode === 'batch' ? 1 : names.length,
    p50Ms: round(times[Math.floor(times.length / 2)]),
    minMs: round(times[0]),
    maxMs: round(times.at(-1)),
    serverCpuMsPerLoad: round((cpu1.server - cpu0.server) / REPEAT),
    postgresCpuMsPerLoad: pm ? round((cpu1.postgres - cpu0.postgres) / REPEAT) : null,
  };
  console.log(
    `  ${r.label} ${r.mode}: p50 ${r.p50Ms} ms (min ${r.minMs}, max ${r.maxMs}), CPU/load ${r.serverCpuMsPerLoad} + ${r.postgresCpuMsPerLoad} ms`,
  );
  return r;
}

async function startServer(dist, url) {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(dist, 'server/src/main.js')], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORKERS_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      APP_SECRET: 'bench-app-secret-0123456789abcdef0123456789',
      DATA_DIR: path.join(os.tmpdir(), 'apm-bench-data'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await ready(port);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

function render(results, { single, before, batch }) {
  const lines = [
    '| build | dashboard load | calls | p50 ms | min ms | max ms | CPU ms/load (server + postgres) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.mode === 'batch' ? 'one GET /jobs/-/status?names=…' : `${r.calls} × GET /jobs/:name/status, 4 in flight`} | ${r.calls} | ${r.p50Ms} | ${r.minMs} | ${r.maxMs} | ${r.serverCpuMsPerLoad} + ${r.postgresCpuMsPerLoad ?? '-'} |`,
    ),
    '',
  ];
  if (before && batch)
    lines.push(`before (single calls) / after (batched), p50: ${(before.p50Ms / batch.p50Ms).toFixed(2)}×`);
  if (single && batch) lines.push(`after: single calls / batched, p50: ${(single.p50Ms / batch.p50Ms).toFixed(2)}×`);
  return lines.join('\n');
}
