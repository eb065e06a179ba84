#!/usr/bin/env node
// Metrics scrape benchmark (not a test): how long GET /api/metrics takes on a large history, and
// proof that its cluster-wide query stays on indexes (no sequential scan of executions or schedules).
//
//   npm run build:server && npm run bench:metrics
//
// Env: ROWS (executions spread over the last 7 days, default 500000), QUEUED (default 1000, half
// due), SCHEDULES (default 1000, 10 of them due), SCRAPES (default 50), DATABASE_URL (a Postgres
// server to create the bench database on; default the machine's postgres://postgres@127.0.0.1:5432/postgres),
// BENCH_DIST (default dist).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort, freshDb, root, sleep } from './lib.mjs';

const ROWS = Number(process.env.ROWS ?? 500_000);
const QUEUED = Number(process.env.QUEUED ?? 1000);
const SCHEDULES = Number(process.env.SCHEDULES ?? 1000);
const SCRAPES = Number(process.env.SCRAPES ?? 50);
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DIST = path.resolve(root, process.env.BENCH_DIST ?? 'dist');
const TOKEN = 'bench-metrics-token-0123456789';

const mainJs = path.join(DIST, 'server/src/main.js');
if (!existsSync(mainJs)) {
  console.log(`${mainJs} missing: npm run build:server`);
  process.exit(1);
}

const dbUrl = await freshDb(SERVER_URL, 'apm_bench_metrics');
const server = await startServer(dbUrl);
const c = new pg.Client({ connectionString: dbUrl });
await c.connect();
try {
  console.log(`seeding ${ROWS} executions over 7 days, ${QUEUED} queued, ${SCHEDULES} schedules ...`);
  await seed(c);
  const before = await scanCounts(c);
  const times = [];
  let bytes = 0;
  for (let i = 0; i < SCRAPES; i++) {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const text = await res.text();
    times.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`scrape ${res.status}: ${text}`);
    bytes = text.length;
  }
  const after = await scanCounts(c);
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))];
  const result = {
    date: new Date().toISOString(),
    cpus: os.cpus().length,
    node: process.version,
    postgres: (await c.query('SHOW server_version')).rows[0].server_version,
    rows: ROWS,
    queued: QUEUED,
    schedules: SCHEDULES,
    scrapes: SCRAPES,
    p50Ms: pct(50),
    p95Ms: pct(95),
    maxMs: times.at(-1),
    bytes,
    seqScansDuringScrapes: {
      executions: after.executions.seq - before.executions.seq,
      schedules: after.schedules.seq - before.schedules.seq,
    },
    indexScansDuringScrapes: Object.fromEntries(
      Object.keys(after.idx).map((k) => [k, after.idx[k] - (before.idx[k] ?? 0)]),
    ),
  };
  console.log(JSON.stringify(result, null, 2));
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(path.join(root, 'bench/results/metrics.json'), JSON.stringify(result, null, 2) + '\n');
  console.log('wrote bench/results/metrics.json');
} finally {
  await c.end();
  await server.stop();
}

async function seed(c) {
  await c.query(`INSERT INTO jobs (name, executor)
                 SELECT 'bench-' || g, '{"kind":"http","url":"http://127.0.0.1:9/"}' FROM generate_series(1, 50) g`);
  // Final rows spread evenly over 7 days (about ROWS/168 in the last hour).
  await c.query(
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms)
     SELECT j.id, j.name, 'schedule', CASE WHEN g % 10 = 0 THEN 'failed' ELSE 'succeeded' END, t, t, t, t, 20
       FROM generate_series(1, $1::int) g
       JOIN LATERAL (SELECT now() - (g * (interval '7 days' / $1::int)) AS t) ts ON true
       JOIN jobs j ON j.name = 'bench-' || (1 + g % 50)`,
    [ROWS],
  );
  await c.query(
    `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at)
     SELECT j.id, j.name, 'api', 'queued',
            CASE WHEN g % 2 = 0 THEN now() - interval '30 seconds' ELSE now() + interval '1 hour' END, now()
       FROM generate_series(1, $1::int) g JOIN jobs j ON j.name = 'bench-' || (1 + g % 50)`,
    [QUEUED],
  );
  await c.query(
    `INSERT INTO schedules (job_id, name, interval_seconds, next_run_at)
     SELECT j.id, 's' || g, 60, CASE WHEN g <= 10 THEN now() - interval '5 seconds' ELSE now() + interval '1 minute' END
       FROM generate_series(1, $1::int) g JOIN jobs j ON j.name = 'bench-' || (1 + g % 50)`,
    [SCHEDULES],
  );
  await c.query('VACUUM ANALYZE executions');
  await c.query('VACUUM ANALYZE schedules');
  await c.query('VACUUM ANALYZE jobs');
}

async function scanCounts(c) {
  // Postgres 15+ flushes an idle backend's statistics within 10 s (PGSTAT_IDLE_INTERVAL).
  await sleep(11_000);
  await c.query('SELECT pg_stat_clear_snapshot()');
  const t = await c.query(
    `SELECT relname, seq_scan FROM pg_stat_user_tables WHERE relname IN ('executions', 'schedules')`,
  );
  const i = await c.query(
    `SELECT indexrelname, idx_scan FROM pg_stat_user_indexes WHERE relname IN ('executions', 'schedules')`,
  );
  const seq = Object.fromEntries(t.rows.map((r) => [r.relname, { seq: Number(r.seq_scan) }]));
  return { ...seq, idx: Object.fromEntries(i.rows.map((r) => [r.indexrelname, Number(r.idx_scan)])) };
}

async function startServer(url) {
  const port = await freePort();
  const child = spawn(process.execPath, [mainJs], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORKERS_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      METRICS_TOKEN: TOKEN,
      APP_SECRET: 'bench-app-secret-0123456789abcdef0123456789',
      DATA_DIR: path.join(os.tmpdir(), 'apm-bench-data'),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const until = Date.now() + 60_000;
  for (;;) {
    if (Date.now() > until) throw new Error('server not ready within 60 s');
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/health/ready`)).status === 200) break;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}
