#!/usr/bin/env node
// Dispatch benchmark (not a test): how fast the executions queue runs HTTP jobs end to end,
// against pg-boss doing the same work on the same Postgres, and the raw insert-then-update ceiling.
// pg-boss is configured as its docs recommend for throughput and latency: `work()` with `batchSize` 50
// and 100, `localConcurrency` 4, `burstWhenBatchFull` (fetch again at once while batches come back
// full), and LISTEN/NOTIFY (`useListenNotify` + a `notify: true` queue) so workers wake on a new job.
//
//   npm run build:server && npm run bench:dispatch
//
// Env: N (burst size, default 20000), N1 (burst size at 1 worker, default 2000), WORKER_CONCURRENCY
// (default 200), RATE (paced rate, default 500/s), PACED_SECONDS (default 10), DATABASE_URL (use that
// server instead of an embedded Postgres), BENCH_PG_PORT, BENCH_ONLY (raw | apm | boss), APM_ROOT (run the API
// Manager build of another checkout: its dist/server/src/main.js, for before/after runs on one machine state).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { cpuMs, freePort, freshDb, noopTarget, postgres, postmasterPid, root, sleep } from './lib.mjs';

const N = Number(process.env.N ?? 20000);
const N1 = Number(process.env.N1 ?? 2000);
const CONCURRENCY = Number(process.env.WORKER_CONCURRENCY ?? 200);
const RATE = Number(process.env.RATE ?? 500);
const PACED_SECONDS = Number(process.env.PACED_SECONDS ?? 10);
const RAW_SECONDS = Number(process.env.RAW_SECONDS ?? 5);

if (process.argv[2] === '--boss-child') await bossChild();
else await main();

async function main() {
  const apmRoot = process.env.APM_ROOT ?? root;
  const mainJs = path.join(apmRoot, 'dist/server/src/main.js');
  if (!existsSync(mainJs)) {
    console.log('dist/ missing: npm run build:server');
    const r = spawnSync('npm', ['run', 'build:server'], { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) process.exit(1);
  }
  const bossVersion = JSON.parse(await readFile(path.join(root, 'node_modules/pg-boss/package.json'), 'utf8')).version;
  console.log(
    `N=${N} (N1=${N1} at 1 worker), WORKER_CONCURRENCY=${CONCURRENCY}, paced ${RATE}/s for ${PACED_SECONDS} s, ${os.cpus().length} CPUs, pg-boss ${bossVersion}`,
  );
  const target = await noopTarget();
  const { serverUrl, stop: stopPg } = await postgres(54364);
  const results = [];
  const push = results.push.bind(results);
  results.push = (...rs) => {
    for (const r of rs)
      console.log(
        `  ${r.system} ${r.mode} workers=${r.workers}${r.batch ? ` batch=${r.batch}` : ''}: ${r.perSec.toFixed(0)}/s, start p50 ${r.startP50Ms?.toFixed(1) ?? '-'} ms, p99 ${r.startP99Ms?.toFixed(1) ?? '-'} ms${r.cpu ? `, CPU ms/exec ${r.cpu.workerMsPerExec} + ${r.cpu.postgresMsPerExec ?? '-'}` : ''}`,
      );
    return push(...rs);
  };
  try {
    const apmUrl = await freshDb(serverUrl, 'apm_bench_dispatch');
    const bossUrl = await freshDb(serverUrl, 'apm_bench_pgboss');
    const rawUrl = await freshDb(serverUrl, 'apm_bench_raw');

    const only = process.env.BENCH_ONLY;
    if (!only || only === 'raw') results.push(await rawCeiling(rawUrl));
    for (const c of !only || only === 'apm' ? [1, CONCURRENCY] : []) {
      const server = await startServer(mainJs, apmRoot, apmUrl, c);
      try {
        const jobId = await ensureJob(apmUrl, target.url);
        // Paced first: a quiet table, as a steady production load would see it.
        if (c === CONCURRENCY) results.push(await apmPaced(apmUrl, jobId, c, server.pid));
        results.push(await apmBurst(apmUrl, jobId, c === 1 ? N1 : N, c, server.pid));
      } finally {
        await server.stop();
      }
    }
    for (const [workers, batch] of !only || only === 'boss'
      ? [
          [1, 100],
          [4, 50],
          [4, 100],
        ]
      : []) {
      results.push(await bossRun(bossUrl, target.url, { mode: 'burst', n: workers === 1 ? N1 : N, workers, batch }));
    }
    if (!only || only === 'boss')
      for (const batch of [50, 100])
        results.push(await bossRun(bossUrl, target.url, { mode: 'paced', n: RATE * PACED_SECONDS, workers: 4, batch }));
  } finally {
    await target.close();
    await stopPg();
  }
  // Ratios against the anchor at its best in this run: its fastest burst, its lowest paced p99.
  const best = (rows, key, pick) => rows.reduce((a, r) => (a === null || pick(r[key], a[key]) ? r : a), null);
  const apm = results.find((r) => r.system === 'API Manager' && r.mode === 'burst' && r.workers === CONCURRENCY);
  const boss = best(
    results.filter((r) => r.system === 'pg-boss' && r.mode === 'burst' && r.workers === 4),
    'perSec',
    (x, y) => x > y,
  );
  const apmPacedRow = results.find((r) => r.system === 'API Manager' && r.mode.startsWith('paced'));
  const bossPaced = best(
    results.filter((r) => r.system === 'pg-boss' && r.mode.startsWith('paced')),
    'startP99Ms',
    (x, y) => x < y,
  );
  const ratio = apm && boss ? apm.perSec / boss.perSec : null;
  const pacedP99Ratio = apmPacedRow && bossPaced ? bossPaced.startP99Ms / apmPacedRow.startP99Ms : null;
  const cpuRatio =
    apm?.cpu && boss?.cpu
      ? (boss.cpu.workerMsPerExec + (boss.cpu.postgresMsPerExec ?? 0)) /
        (apm.cpu.workerMsPerExec + (apm.cpu.postgresMsPerExec ?? 0))
      : null;
  const table = render(results, { ratio, boss, pacedP99Ratio, bossPaced, cpuRatio });
  console.log('\n' + table);
  await mkdir(path.join(root, 'bench/results'), { recursive: true });
  await writeFile(
    path.join(root, 'bench/results/dispatch.json'),
    JSON.stringify(
      {
        date: new Date().toISOString(),
        cpus: os.cpus().length,
        node: process.version,
        pgBoss: bossVersion,
        N,
        N1,
        CONCURRENCY,
        RATE,
        PACED_SECONDS,
        ratio,
        ratioAgainst: boss ? `${boss.workers} × batch ${boss.batch}` : null,
        pacedP99Ratio,
        cpuRatio,
        results,
        table,
      },
      null,
      2,
    ) + '\n',
  );
  console.log('\nwrote bench/results/dispatch.json');
}

// ---------------------------------------------------------------------------------------------
// API Manager

async function startServer(mainJs, cwd, url, concurrency) {
  const port = await freePort();
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, mainJs], {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      WORKER_CONCURRENCY: String(concurrency),
      SCHEDULER_ENABLED: 'false',
      APP_SECRET: 'bench-app-secret-0123456789abcdef0123456789',
      DATA_DIR: path.join(os.tmpdir(), 'apm-bench-data'),
      DB_POOL_SIZE: '20',
    },
    stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
  });
  const until = Date.now() + 180_000;
  for (;;) {
    if (Date.now() > until) throw new Error('server not ready within 180 s');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health/ready`);
      if (res.status === 200) break;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  return {
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

async function ensureJob(url, targetUrl) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DELETE FROM executions');
    const { rows } = await c.query(
      `INSERT INTO jobs (name, executor) VALUES ('noop', $1)
       ON CONFLICT (name) DO UPDATE SET executor = EXCLUDED.executor RETURNING id`,
      [JSON.stringify({ kind: 'http', method: 'POST', url: `${targetUrl}/noop` })],
    );
    return rows[0].id;
  } finally {
    await c.end();
  }
}

async function apmBurst(url, jobId, n, workers, pid) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DELETE FROM executions');
    const pm = await postmasterPid(c);
    const cpu0 = await cpuMs([pid], pm);
    const t0 = Date.now();
    // What ExecutionsService.enqueue writes, in bulk: rows + one NOTIFY at commit.
    await c.query('BEGIN');
    await c.query(
      `INSERT INTO executions (job_id, job_name, trigger) SELECT $1, 'noop', 'api' FROM generate_series(1, $2)`,
      [jobId, n],
    );
    await c.query(`SELECT pg_notify('apm_exec_wake', '')`);
    await c.query('COMMIT');
    const enqueueMs = Date.now() - t0;
    await waitDone(c, `SELECT count(*)::int AS n FROM executions WHERE status NOT IN ('queued','running')`, n, 180_000);
    const cpu = perExec(cpu0, await cpuMs([pid], pm), n);
    const s = await apmStats(c);
    return { system: 'API Manager', mode: 'burst', workers, n, enqueueMs, ...s, cpu };
  } finally {
    await c.end();
  }
}

async function apmPaced(url, jobId, workers, pid) {
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('DELETE FROM executions');
    const n = RATE * PACED_SECONDS;
    const pm = await postmasterPid(c);
    const cpu0 = await cpuMs([pid], pm);
    // The statements ExecutionsService.enqueue runs for one run: INSERT + NOTIFY, one transaction.
    await paced(n, () =>
      pool.query(
        `WITH i AS (INSERT INTO executions (job_id, job_name, trigger) VALUES ($1, 'noop', 'api') RETURNING id)
         SELECT pg_notify('apm_exec_wake', '') FROM i`,
        [jobId],
      ),
    );
    await waitDone(c, `SELECT count(*)::int AS n FROM executions WHERE status NOT IN ('queued','running')`, n, 60_000);
    const cpu = perExec(cpu0, await cpuMs([pid], pm), n);
    const s = await apmStats(c);
    return { system: 'API Manager', mode: `paced ${RATE}/s`, workers, n, ...s, cpu };
  } finally {
    await c.end();
    await pool.end();
  }
}

async function apmStats(c) {
  const { rows } = await c.query(`
    SELECT count(*) FILTER (WHERE status = 'succeeded')::int AS ok,
           extract(epoch FROM max(finished_at) - min(created_at)) AS span,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) AS p50,
           percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at) * 1000) AS p99
      FROM executions`);
  const r = rows[0];
  return {
    succeeded: r.ok,
    seconds: Number(r.span),
    perSec: r.ok / Number(r.span),
    startP50Ms: Number(r.p50),
    startP99Ms: Number(r.p99),
  };
}

// ---------------------------------------------------------------------------------------------
// pg-boss: workers in a child process (as our server is one), making the same HTTP call.

async function bossRun(url, targetUrl, { mode, n, workers, batch }) {
  const { PgBoss } = await import('pg-boss');
  // No connect timeout: on a loaded machine the paced sends queue for the pool (as API Manager's do).
  const boss = new PgBoss({
    connectionString: url,
    max: 20,
    connectionTimeoutMillis: 0,
    supervise: false,
    schedule: false,
  });
  boss.on('error', () => {});
  await boss.start();
  const queue = `noop_${mode}_${workers}_${batch}`;
  // notify: a job created on this queue NOTIFYs, waking workers that listen (useListenNotify).
  await boss.createQueue(queue, { notify: true }).catch(() => {});
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--boss-child'], {
    env: {
      ...process.env,
      BOSS_URL: url,
      BOSS_QUEUE: queue,
      BOSS_WORKERS: String(workers),
      BOSS_BATCH: String(batch),
      TARGET: targetUrl,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => child.stdout.once('data', resolve)); // "ready"
  try {
    const pm = await postmasterPid(c);
    const cpu0 = await cpuMs([child.pid], pm);
    let enqueueMs;
    if (mode === 'burst') {
      const t0 = Date.now();
      for (let i = 0; i < n; i += 1000) {
        await boss.insert(
          queue,
          Array.from({ length: Math.min(1000, n - i) }, () => ({ data: { url: `${targetUrl}/noop` } })),
        );
      }
      enqueueMs = Date.now() - t0;
    } else {
      await paced(n, () => boss.send(queue, { url: `${targetUrl}/noop` }));
    }
    await waitDone(
      c,
      `SELECT count(*)::int AS n FROM pgboss.job WHERE name = '${queue}' AND state = 'completed'`,
      n,
      180_000,
    );
    const cpu = perExec(cpu0, await cpuMs([child.pid], pm), n);
    const { rows } = await c.query(
      `SELECT count(*)::int AS ok,
              extract(epoch FROM max(completed_on) - min(created_on)) AS span,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_on - created_on) * 1000) AS p50,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM started_on - created_on) * 1000) AS p99
         FROM pgboss.job WHERE name = $1 AND state = 'completed'`,
      [queue],
    );
    const r = rows[0];
    return {
      system: 'pg-boss',
      mode: mode === 'burst' ? 'burst' : `paced ${RATE}/s`,
      workers,
      batch,
      n,
      enqueueMs,
      succeeded: r.ok,
      seconds: Number(r.span),
      perSec: r.ok / Number(r.span),
      startP50Ms: Number(r.p50),
      startP99Ms: Number(r.p99),
      cpu,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await c.end();
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
  }
}

async function bossChild() {
  const { PgBoss } = await import('pg-boss');
  const { Agent, request } = await import('undici');
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 256 });
  const boss = new PgBoss({
    connectionString: process.env.BOSS_URL,
    max: 10,
    supervise: false,
    schedule: false,
    useListenNotify: true,
  });
  boss.on('error', () => {});
  await boss.start();
  const queue = process.env.BOSS_QUEUE;
  const call = async (job) => {
    const res = await request(job.data.url, {
      method: 'POST',
      dispatcher: agent,
      headers: { 'idempotency-key': `${job.id}:1`, 'user-agent': 'pg-boss-bench' },
    });
    const body = await res.body.text();
    return { status: res.statusCode, body };
  };
  await boss.work(
    queue,
    {
      batchSize: Number(process.env.BOSS_BATCH),
      localConcurrency: Number(process.env.BOSS_WORKERS),
      burstWhenBatchFull: true,
      pollingIntervalSeconds: 0.5,
    },
    (jobs) => Promise.all(jobs.map(call)),
  );
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => {
    boss.stop({ graceful: false, wait: false }).finally(() => process.exit(0));
  });
}

// ---------------------------------------------------------------------------------------------
// Raw ceiling: single-row insert-then-update cycles over 10 connections.

async function rawCeiling(url) {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(
    `CREATE TABLE IF NOT EXISTS raw_cycle (id bigserial PRIMARY KEY, status text NOT NULL, payload jsonb)`,
  );
  await setup.end();
  const clients = await Promise.all(
    Array.from({ length: 10 }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  let cycles = 0;
  const until = Date.now() + RAW_SECONDS * 1000;
  const t0 = Date.now();
  await Promise.all(
    clients.map(async (c) => {
      while (Date.now() < until) {
        const { rows } = await c.query(`INSERT INTO raw_cycle (status, payload) VALUES ('queued', '{}') RETURNING id`);
        await c.query(`UPDATE raw_cycle SET status = 'done' WHERE id = $1`, [rows[0].id]);
        cycles++;
      }
    }),
  );
  const seconds = (Date.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.end()));
  return {
    system: 'raw insert+update',
    mode: '10 connections',
    workers: 10,
    n: cycles,
    seconds,
    perSec: cycles / seconds,
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

/** Open loop: `n` calls evenly spaced at RATE/s, each counted from its scheduled time. */
async function paced(n, fn) {
  const interval = 1000 / RATE;
  const t0 = performance.now();
  const inflight = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inflight.push(fn());
  }
  await Promise.all(inflight);
}

/** CPU ms per execution between two `cpuMs` readings: the worker process(es), and Postgres. */
function perExec(a, b, n) {
  const r = (x) => Math.round((x * 1000) / n) / 1000;
  return {
    workerMsPerExec: r(b.server - a.server),
    postgresMsPerExec: b.postgres || a.postgres ? r(b.postgres - a.postgres) : null,
  };
}

async function waitDone(c, sql, n, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await c.query(sql);
    if (rows[0].n >= n) return;
    if (Date.now() > until) throw new Error(`timed out: ${rows[0].n}/${n} done`);
    await sleep(100);
  }
}

function render(results, { ratio, boss, pacedP99Ratio, bossPaced, cpuRatio }) {
  const f = (v, d = 0) => (v === undefined || v === null || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
  const lines = [
    '| system | mode | workers | n | exec/s | enqueue→start p50 ms | p99 ms | CPU ms/exec (worker + postgres) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const workers = r.batch ? `${r.workers} × batch ${r.batch}` : r.workers;
    const cpu = r.cpu ? `${f(r.cpu.workerMsPerExec, 3)} + ${f(r.cpu.postgresMsPerExec, 3)}` : '-';
    lines.push(
      `| ${r.system} | ${r.mode} | ${workers} | ${r.n} | ${f(r.perSec)} | ${f(r.startP50Ms, 1)} | ${f(r.startP99Ms, 1)} | ${cpu} |`,
    );
  }
  const by = (r) => (r ? `${r.workers} × batch ${r.batch}` : '-');
  lines.push(
    '',
    `ratio API Manager / pg-boss burst exec/s (${CONCURRENCY} workers vs pg-boss's best, ${by(boss)}): ${ratio ? ratio.toFixed(2) + '×' : '-'}`,
    `ratio pg-boss / API Manager paced enqueue→start p99 (pg-boss's best, ${by(bossPaced)}, LISTEN/NOTIFY): ${pacedP99Ratio ? pacedP99Ratio.toFixed(2) + '×' : '-'}`,
    `ratio pg-boss / API Manager burst CPU ms per execution (worker + postgres): ${cpuRatio ? cpuRatio.toFixed(2) + '×' : '-'}`,
  );
  return lines.join('\n');
}
