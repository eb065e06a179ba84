#!/usr/bin/env node
// Benchmark: N schedules firing every second for DURATION s, on 1 and on 3 server replicas (real
// processes from dist/), plus a baseline of the same N jobs as plain `cron` package timers in one
// process. Reports slots expected / fired / duplicated / missed and lag (slot -> queued, -> started).
//
//   npm run build:server && npm run bench:schedules
//   DURATION=10 SCHEDULES=200 REPLICAS=1,3 WORKERS_ENABLED=false OUT=schedules-small.json npm run bench:schedules
//
// DATABASE_URL (a Postgres server URL; a database `apm_bench_schedules` is created in it) or an
// embedded Postgres in a temp dir (BENCH_PG_PORT, default 54351).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { freePort, noopTarget, postgres, ready, root, sleep, withDb } from './lib.mjs';

const DURATION = Number(process.env.DURATION ?? process.argv[2] ?? 60);
const SCHEDULES = Number(process.env.SCHEDULES ?? 1000);
const REPLICAS = (process.env.REPLICAS ?? '1,3').split(',').map(Number);
const WORKERS = (process.env.WORKERS_ENABLED ?? 'true') !== 'false';
const WARMUP_S = 3;
const GRACE_MS = 5000;
// Extra node flags for the replicas, e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

if (process.argv[2] === '--baseline-child') await baselineChild();
else await main();

// ---------------------------------------------------------------------------------------------

async function main() {
  const mainJs = path.join(root, 'dist/server/src/main.js');
  if (!existsSync(mainJs)) {
    console.log('dist/ missing: npm run build:server');
    const r = spawnSync('npm', ['run', 'build:server'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  const { serverUrl, stop: stopPg } = await postgres(54351);
  const target = await noopTarget();
  const results = [];
  try {
    for (const replicas of REPLICAS) results.push(await runServers(serverUrl, mainJs, `${target.url}/noop`, replicas));
    results.push(await baseline());
  } finally {
    target.close();
    await stopPg();
  }
  const table = render(results);
  console.log('\n' + table);
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  const out = {
    bench: 'schedules',
    date: new Date().toISOString(),
    host: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    settings: { durationS: DURATION, schedules: SCHEDULES, replicas: REPLICAS, workersEnabled: WORKERS },
    results,
    table,
  };
  const file = process.env.OUT ?? 'schedules.json';
  await writeFile(path.join(root, 'bench/results', file), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote bench/results/${file}`);
}

async function runServers(serverUrl, mainJs, targetUrl, replicas) {
  const dbName = `apm_bench_schedules_${replicas}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const url = withDb(serverUrl, dbName);

  console.log(`\n== ${replicas} replica(s): ${SCHEDULES} schedules every second for ${DURATION} s ==`);
  const procs = [];
  for (let i = 0; i < replicas; i++) {
    const port = await freePort();
    const child = spawn(process.execPath, [...NODE_ARGS, mainJs], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: url,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        APP_SECRET: randomBytes(32).toString('hex'),
        ADMIN_PASSWORD: 'bench-password-123',
        WORKERS_ENABLED: String(WORKERS),
        WORKER_CONCURRENCY: process.env.WORKER_CONCURRENCY ?? '32',
        DB_POOL_SIZE: '30',
        ADMIN_DIST_DIR: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Replica logs (warn and above) go to a file per replica, for a look after the run.
    const log = createWriteStream(path.join(os.tmpdir(), `apm-bench-schedules-${replicas}-${i}.log`));
    child.stdout.pipe(log);
    child.stderr.on('data', (d) => process.stderr.write(`[replica ${i}] ${d}`));
    procs.push({ child, port });
    // The first one migrates; start the others after it is ready (they would wait on the lock anyway).
    if (i === 0) await ready(port);
  }
  await Promise.all(procs.map((p) => ready(p.port)));

  const db = new pg.Client({ connectionString: url });
  await db.connect();
  // slot→visible: when the execution's event (NOTIFY apm_events, sent in the firing transaction, so
  // delivered at its COMMIT) reaches this client. created_at is only the transaction's start.
  const seen = new Map();
  const listen = new pg.Client({ connectionString: url });
  await listen.connect();
  listen.on('notification', (msg) => {
    const at = Date.now();
    for (const [type, data] of JSON.parse(msg.payload)) {
      if (type === 'execution' && data.status !== 'running' && !seen.has(data.id)) seen.set(data.id, at);
    }
  });
  await listen.query('LISTEN apm_events');
  try {
    await db.query(
      `INSERT INTO jobs (name, executor)
       SELECT 'bench-' || g, jsonb_build_object('kind', 'http', 'method', 'GET', 'url', $1::text)
         FROM generate_series(1, $2) g`,
      [targetUrl, SCHEDULES],
    );
    // Every schedule's first slot is the same whole second, a few seconds ahead: the worst case.
    const start = Math.ceil(Date.now() / 1000) * 1000 + WARMUP_S * 1000;
    await db.query(
      `INSERT INTO schedules (job_id, name, cron, timezone, next_run_at)
       SELECT id, 'every-second', '* * * * * *', 'UTC', $1 FROM jobs`,
      [new Date(start)],
    );
    await db.query(`NOTIFY apm_schedules`);
    const end = start + DURATION * 1000;
    // The window is [start, end); slots after it keep firing but are not counted. A slot of the
    // window not queued within GRACE_MS after the window counts as missed.
    await sleep(end - Date.now() + GRACE_MS);
    // Let workers start what was queued (no bulk UPDATE to stop the schedules: it would queue
    // behind the tickers' row locks; the replicas are simply stopped afterwards).
    if (WORKERS) await drain(db, start, end);
    const stats = await measure(db, start, end, seen);
    return { name: `${replicas} replica${replicas > 1 ? 's' : ''}`, replicas, ...stats };
  } finally {
    await listen.end();
    await db.end();
    await Promise.all(
      procs.map(
        ({ child }) =>
          new Promise((resolve) => {
            child.once('exit', resolve);
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 15000).unref();
          }),
      ),
    );
  }
}

async function drain(db, start, end) {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS n FROM executions
        WHERE scheduled_for >= $1 AND scheduled_for < $2 AND started_at IS NULL AND status = 'queued'`,
      [new Date(start), new Date(end)],
    );
    if (rows[0].n === 0) return;
    await sleep(250);
  }
}

async function measure(db, start, end, seen) {
  const q = async (sql) => (await db.query(sql, [new Date(start), new Date(end)])).rows[0];
  const counts = await q(
    `SELECT count(*)::int AS total,
            count(DISTINCT (schedule_id, scheduled_for))::int AS distinct_slots,
            count(*) FILTER (WHERE status = 'skipped')::int AS skipped
       FROM executions WHERE trigger = 'schedule' AND scheduled_for >= $1 AND scheduled_for < $2`,
  );
  const lag = (col) =>
    q(`SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99,
              max(ms) AS max
         FROM (SELECT extract(epoch FROM ${col} - scheduled_for) * 1000 AS ms FROM executions
                WHERE trigger = 'schedule' AND scheduled_for >= $1 AND scheduled_for < $2 AND ${col} IS NOT NULL) t`);
  const { rows: statusRows } = await db.query(
    `SELECT status, count(*)::int AS n FROM executions
      WHERE trigger = 'schedule' AND scheduled_for >= $1 AND scheduled_for < $2 GROUP BY status`,
    [new Date(start), new Date(end)],
  );
  const { rows: slotRows } = await db.query(
    `SELECT id, (extract(epoch FROM scheduled_for) * 1000)::float8 AS slot FROM executions
      WHERE trigger = 'schedule' AND scheduled_for >= $1 AND scheduled_for < $2`,
    [new Date(start), new Date(end)],
  );
  const visible = slotRows.filter((r) => seen.has(r.id)).map((r) => seen.get(r.id) - r.slot);
  visible.sort((a, b) => a - b);
  const pick = (p) => visible[Math.min(visible.length - 1, Math.floor(p * visible.length))] ?? null;
  const expected = SCHEDULES * DURATION;
  const round = (o) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === null ? null : Math.round(Number(v) * 10) / 10]));
  return {
    expected,
    fired: counts.distinct_slots,
    duplicated: counts.total - counts.distinct_slots,
    missed: expected - counts.distinct_slots,
    lagQueuedMs: round(await lag('created_at')),
    lagVisibleMs: visible.length ? round({ p50: pick(0.5), p99: pick(0.99), max: visible.at(-1) }) : null,
    visibleSeen: visible.length,
    lagStartedMs: WORKERS ? round(await lag('started_at')) : null,
    statuses: Object.fromEntries(statusRows.map((r) => [r.status, r.n])),
  };
}

// --- baseline: the same N jobs as `cron` package timers in one process ------------------------

async function baseline() {
  console.log(`\n== baseline: ${SCHEDULES} cron package timers in one process for ${DURATION} s ==`);
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--baseline-child'], {
    cwd: root,
    env: { ...process.env, DURATION: String(DURATION), SCHEDULES: String(SCHEDULES) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await new Promise((resolve) => child.once('exit', resolve));
  return { name: 'cron package, 1 process', replicas: 1, ...JSON.parse(out.trim().split('\n').at(-1)) };
}

async function baselineChild() {
  const { CronJob } = await import('cron');
  const lags = [];
  const seen = new Set();
  let duplicated = 0;
  const start = Math.ceil(Date.now() / 1000) * 1000 + 1000;
  const end = start + DURATION * 1000;
  const jobs = [];
  for (let i = 0; i < SCHEDULES; i++) {
    jobs.push(
      CronJob.from({
        cronTime: '* * * * * *',
        start: true,
        onTick: () => {
          const now = Date.now();
          const slot = Math.floor(now / 1000) * 1000; // lag < 1 s assumed (checked by the missed count)
          if (slot < start || slot >= end) return;
          const key = i * 1e13 + slot;
          if (seen.has(key)) duplicated++;
          else seen.add(key);
          lags.push(now - slot);
        },
      }),
    );
  }
  await sleep(end - Date.now() + 500);
  for (const j of jobs) j.stop();
  lags.sort((a, b) => a - b);
  const pct = (p) => lags[Math.min(lags.length - 1, Math.floor(p * lags.length))] ?? null;
  const expected = SCHEDULES * DURATION;
  process.stdout.write(
    JSON.stringify({
      expected,
      fired: seen.size,
      duplicated,
      missed: expected - seen.size,
      lagQueuedMs: { p50: pct(0.5), p99: pct(0.99), max: lags.at(-1) ?? null },
      lagStartedMs: null,
      note: 'callback lag (no persistence, no queue, no replicas)',
    }) + '\n',
  );
  process.exit(0);
}

// --- helpers ------------------------------------------------------------------------------------

function render(results) {
  const f = (v) => (v === null || v === undefined ? '—' : String(v));
  const lagCell = (l) => (l ? `${f(l.p50)} / ${f(l.p99)} / ${f(l.max)}` : '—');
  const rows = [
    [
      'setup',
      'expected',
      'fired',
      'duplicated',
      'missed',
      'slot→queued ms p50/p99/max',
      'slot→visible ms p50/p99/max',
      'slot→started ms p50/p99/max',
    ],
    ...results.map((r) => [
      r.name,
      r.expected,
      r.fired,
      r.duplicated,
      r.missed,
      lagCell(r.lagQueuedMs),
      lagCell(r.lagVisibleMs),
      lagCell(r.lagStartedMs),
    ]),
  ].map((r) => r.map(f));
  const lines = rows.map((r) => `| ${r.join(' | ')} |`);
  lines.splice(1, 0, `|${rows[0].map(() => ' --- ').join('|')}|`);
  return lines.join('\n');
}
