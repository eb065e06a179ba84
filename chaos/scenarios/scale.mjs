// Scenario 6, scale: 1,000,000 executions in the history (a bulk INSERT … SELECT generate_series writing
// the columns the real insert path writes: 20 jobs, their schedules, realistic triggers, statuses,
// attempts, times, request/response snapshots; 3 log lines for 10% of them), spread over the last 60
// days. Then, through the HTTP API of a replica: p50/p95 of the executions list (first page, deep cursor
// pages, filters by job/status/trigger/since), job status, and the admin dashboard's queries (jobs list,
// each job's status, the last 24 h of runs). Then retention prunes the ~500,000 rows older than 30 days
// the way the server does it (a replica's RetentionService on its interval) while a client keeps calling
// the API: prune duration, the API's p95 during pruning, zero errors.
//
//   node chaos/scenarios/scale.mjs            (CHAOS_SHORT=1: 100,000 rows; CHAOS_ROWS=n; CHAOS_SAMPLES=n)
import { SHORT, api, adminToken, report, sleep, startPostgres, startReplica } from '../lib/cluster.mjs';
import { isMain, percentile } from '../lib/extra.mjs';

export const name = 'scale';
export const aliases = ['6'];
const JOBS = 20;
const DAYS = 60;

export async function run(opts = {}) {
  const rowsWanted = Number(process.env.CHAOS_ROWS ?? opts.rows ?? (SHORT ? 100_000 : 1_000_000));
  const samples = Number(process.env.CHAOS_SAMPLES ?? opts.samples ?? (SHORT ? 20 : 50));
  const pg = await startPostgres();
  // Retention at its default interval (an hour) while loading and measuring; pruning is started by
  // restarting the second replica with a 2 s interval.
  const env = { RETENTION_DAYS: '30', SCHEDULER_ENABLED: 'false', WORKER_POLL_MS: '1000' };
  const r0 = await startReplica({ dbUrl: pg.url, name: 'r0', env });
  const r1 = await startReplica({ dbUrl: pg.url, name: 'r1', env });
  const replicas = [r0, r1];
  try {
    const token = await adminToken(r0.url);
    const t0 = performance.now();
    await load(pg.db, rowsWanted);
    const loadSeconds = (performance.now() - t0) / 1000;
    const { rows: sizes } = await pg.db.query(
      `SELECT (SELECT count(*) FROM executions)::int AS executions, (SELECT count(*) FROM execution_logs)::int AS logs,
              (SELECT count(*) FROM executions WHERE created_at < now() - interval '30 days')::int AS old,
              pg_size_pretty(pg_total_relation_size('executions')) AS size`,
    );
    console.log(`loaded ${JSON.stringify(sizes[0])} in ${loadSeconds.toFixed(0)} s`);

    // --- reads -----------------------------------------------------------------------------------
    const deepCursor = async (offset) => {
      const { rows } = await pg.db.query(
        `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS ts
           FROM executions ORDER BY created_at DESC, id DESC OFFSET $1 LIMIT 1`,
        [offset],
      );
      return Buffer.from(JSON.stringify([rows[0].ts, rows[0].id])).toString('base64url');
    };
    const deep = await deepCursor(Math.floor(rowsWanted * 0.9));
    const mid = await deepCursor(Math.floor(rowsWanted * 0.5));
    const day = new Date(Date.now() - 24 * 3600 * 1000).toISOString();
    const week = new Date(Date.now() - 7 * 24 * 3600 * 1000).toISOString();
    const dashTriggers = 'manual,api,schedule,webhook,chain,retry';
    const reads = [
      ['executions: first page', '/api/v1/executions'],
      ['executions: page at 50% (cursor)', `/api/v1/executions?cursor=${mid}`],
      ['executions: page at 90% (cursor)', `/api/v1/executions?cursor=${deep}`],
      ['executions: job', '/api/v1/executions?job=job-07'],
      ['executions: job, page at 90%', `/api/v1/executions?job=job-07&cursor=${deep}`],
      ['executions: status=failed', '/api/v1/executions?status=failed'],
      ['executions: status=lost (rare)', '/api/v1/executions?status=lost'],
      ['executions: trigger=webhook', '/api/v1/executions?trigger=webhook'],
      ['executions: trigger=retry (rare)', '/api/v1/executions?trigger=retry'],
      ['executions: trigger=fanout (none)', '/api/v1/executions?trigger=fanout'],
      ['executions: job + status=cancelled', '/api/v1/executions?job=job-07&status=cancelled'],
      ['executions: since 7 days', `/api/v1/executions?since=${week}`],
      ['executions: since 7 days, status=timed_out', `/api/v1/executions?since=${week}&status=timed_out`],
      ['dashboard: last 24 h runs (limit 200)', `/api/v1/executions?since=${day}&trigger=${dashTriggers}&limit=200`],
      ['dashboard: jobs list', '/api/v1/jobs'],
      ['dashboard: job status', '/api/v1/jobs/job-07/status'],
      ['execution detail (with logs)', null],
    ];
    const { rows: withLogs } = await pg.db.query(`SELECT execution_id FROM execution_logs ORDER BY id DESC LIMIT 1`);
    reads.at(-1)[1] = `/api/v1/executions/${withLogs[0].execution_id}`;
    const readRows = [];
    const errors = [];
    for (const [label, path] of reads) {
      await api(r0.url, token, 'GET', path); // warm
      const ms = [];
      for (let i = 0; i < samples; i++) {
        const t = performance.now();
        const res = await api(r0.url, token, 'GET', path, undefined, 60_000);
        ms.push(performance.now() - t);
        if (res.status !== 200)
          errors.push({ label, status: res.status, body: JSON.stringify(res.body).slice(0, 200) });
      }
      const p95 = percentile(ms, 0.95);
      readRows.push({ label, p50: percentile(ms, 0.5), p95 });
    }
    // Each job's status, as the dashboard loads them (4 at a time).
    const statusMs = [];
    for (let round = 0; round < Math.max(1, Math.floor(samples / 10)); round++) {
      const names = Array.from({ length: JOBS }, (_, j) => `job-${String(j).padStart(2, '0')}`);
      const t = performance.now();
      for (let i = 0; i < names.length; i += 4) {
        await Promise.all(
          names.slice(i, i + 4).map(async (n) => {
            const s = performance.now();
            const res = await api(r0.url, token, 'GET', `/api/v1/jobs/${n}/status`, undefined, 60_000);
            statusMs.push(performance.now() - s);
            if (res.status !== 200) errors.push({ label: 'status', status: res.status });
          }),
        );
      }
      statusMs.push(-(performance.now() - t)); // negative: whole-dashboard time, filtered below
    }
    const dashboardAll = statusMs.filter((x) => x < 0).map((x) => -x);
    const perStatus = statusMs.filter((x) => x >= 0);
    readRows.push({
      label: `dashboard: all ${JOBS} job statuses (4 at a time)`,
      p50: percentile(dashboardAll, 0.5),
      p95: percentile(dashboardAll, 0.95),
    });
    readRows.push({
      label: 'job status (each, under that load)',
      p50: percentile(perStatus, 0.5),
      p95: percentile(perStatus, 0.95),
    });

    // Plans of the list queries, as the server sends them (for the record; the p95 is the check).
    const plans = await explainPlans(pg.db, { mid, deep, day, week });

    // --- pruning while serving ----------------------------------------------------------------------
    const oldBefore = sizes[0].old;
    const during = [];
    const duringErrors = [];
    let serving = true;
    const client = (async () => {
      const paths = [
        '/api/v1/executions',
        '/api/v1/executions?status=failed',
        `/api/v1/executions?cursor=${mid}`,
        '/api/v1/jobs/job-03/status',
        `/api/v1/executions?since=${day}&trigger=${dashTriggers}&limit=200`,
        '/api/v1/executions?job=job-11',
      ];
      for (let i = 0; serving; i++) {
        const path = paths[i % paths.length];
        const t = performance.now();
        try {
          const res = await api(r0.url, token, 'GET', path, undefined, 60_000);
          if (res.status !== 200) duringErrors.push({ path, status: res.status });
        } catch (err) {
          duringErrors.push({ path, error: err.message });
        }
        during.push(performance.now() - t);
      }
    })();
    await sleep(2000);
    await r1.stop();
    r1.close();
    const pruner = await startReplica({
      dbUrl: pg.url,
      name: 'r1-pruner',
      env: { ...env, RETENTION_INTERVAL_MS: '1000' },
    });
    replicas[1] = pruner;
    const pruneStart = performance.now(); // the pruner is ready; its first pass starts within 1 s
    let left = oldBefore;
    const until = Date.now() + 30 * 60_000;
    while (Date.now() < until) {
      const { rows } = await pg.db.query(
        `SELECT count(*)::int AS n FROM executions WHERE created_at < now() - interval '30 days' AND status NOT IN ('queued','running')`,
      );
      left = rows[0].n;
      if (left === 0) break;
      await sleep(500);
    }
    const pruneSeconds = (performance.now() - pruneStart) / 1000;
    serving = false;
    await client;
    const { rows: after } = await pg.db.query(
      `SELECT (SELECT count(*) FROM executions)::int AS executions, (SELECT count(*) FROM execution_logs)::int AS logs,
              (SELECT count(*) FROM execution_logs l WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = l.execution_id))::int AS orphans`,
    );
    const crashed = [r0, pruner].filter((x) => !x.alive() || x.exits.some((e) => !e.expected)).length;

    const slow = plans.filter((p) => p.seqScan || p.ms > 100);
    const rows = [
      {
        expectation: `history loaded (bulk INSERT … SELECT), ${DAYS} days`,
        value: `${sizes[0].executions} executions, ${sizes[0].logs} log lines, ${sizes[0].size}, ${loadSeconds.toFixed(0)} s`,
        pass: sizes[0].executions === rowsWanted,
      },
      ...readRows.map((r) => ({
        expectation: `${r.label}: p50 / p95 ms (${samples} requests)`,
        value: `${r.p50} / ${r.p95}`,
        pass: null,
      })),
      ...plans.map((p) => ({
        expectation: `SQL ${p.label}: ms in the database, index (rows filtered)`,
        value: `${p.ms} ms, ${p.seqScan ? 'SEQ SCAN' : p.indexes.join('+') || 'no index'} (${p.removedByFilter})`,
        pass: !p.seqScan && p.ms <= 100,
      })),
      {
        expectation: 'queries with a seq scan or over 100 ms in the database',
        value: slow.map((p) => p.label),
        pass: slow.length === 0,
      },
      { expectation: 'read errors', value: errors.length, pass: errors.length === 0 },
      {
        expectation: `retention pruned the rows older than 30 days (${oldBefore})`,
        value: `${oldBefore - left} in ${pruneSeconds.toFixed(1)} s`,
        pass: left === 0,
      },
      {
        expectation: 'API while pruning: requests, p50 / p95 / max ms',
        value: `${during.length}, ${percentile(during, 0.5)} / ${percentile(during, 0.95)} / ${percentile(during, 1)}`,
        pass: null,
      },
      { expectation: 'API errors while pruning', value: duringErrors.length, pass: duringErrors.length === 0 },
      { expectation: 'log lines left without their execution', value: after[0].orphans, pass: after[0].orphans === 0 },
      { expectation: 'replica crashes', value: crashed, pass: crashed === 0 },
    ];
    return await report(name, rows, {
      rowsWanted,
      samples,
      loadSeconds,
      sizes: sizes[0],
      after: after[0],
      reads: readRows,
      errors: errors.slice(0, 50),
      duringErrors: duringErrors.slice(0, 50),
      plans,
    });
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas.forEach((r) => r.close());
    await pg.close();
  }
}

/**
 * The bulk loader: jobs (with a schedule each) and `n` executions with the columns the real insert
 * and completion paths write, newest first every ~5 s over DAYS days, in chunks of 100,000 rows.
 */
async function load(db, n) {
  const { rows: jobs } = await db.query(
    `INSERT INTO jobs (name, title, job_group, executor, params)
     SELECT 'job-' || lpad(j::text, 2, '0'), 'Job ' || j, 'group-' || (j % 4),
            jsonb_build_object('kind', 'http', 'method', 'GET', 'url', 'http://127.0.0.1:9/j' || j || '/{{ params.device_id }}'),
            '[{"name":"device_id","type":"string","default":"dev-1"}]'::jsonb
       FROM generate_series(0, ${JOBS - 1}) j
     RETURNING id, name`,
  );
  const jobIds = jobs.sort((a, b) => a.name.localeCompare(b.name)).map((j) => j.id);
  const { rows: schedules } = await db.query(
    `INSERT INTO schedules (job_id, name, cron, timezone, next_run_at, enabled)
     SELECT id, 'every-5s', '*/5 * * * * *', 'Asia/Tokyo', now() + interval '1 year', false FROM unnest($1::uuid[]) id
     RETURNING id, job_id`,
    [jobIds],
  );
  const schedByJob = new Map(schedules.map((s) => [s.job_id, s.id]));
  const scheduleIds = jobIds.map((id) => schedByJob.get(id));
  const step = (DAYS * 86400) / n; // seconds between rows
  const CHUNK = 100_000;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK) - 1;
    await db.query(
      `WITH ins AS (
       INSERT INTO executions (job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, params, status,
          attempt, max_attempts, run_at, created_at, started_at, finished_at, duration_ms, request, response, error, attempts)
       SELECT ($1::uuid[])[j + 1], 'job-' || lpad(j::text, 2, '0'), t.trigger,
              CASE t.trigger WHEN 'schedule' THEN 'every-5s' WHEN 'webhook' THEN 'org/repo@' || substr(md5(i::text), 1, 7) ELSE NULL END,
              CASE WHEN t.trigger IN ('manual', 'api', 'retry') THEN 'admin' ELSE NULL END,
              CASE t.trigger WHEN 'schedule' THEN ($2::uuid[])[j + 1] ELSE NULL END,
              CASE t.trigger WHEN 'schedule' THEN c.at ELSE NULL END,
              jsonb_build_object('device_id', 'dev-' || (i % 500), 'date', to_char(c.at, 'YYYY-MM-DD')),
              s.status, CASE WHEN s.status = 'failed' AND i % 3 = 0 THEN 2 ELSE 1 END,
              CASE WHEN s.status = 'failed' THEN 3 ELSE 1 END,
              c.at, c.at, c.at + interval '15 ms', c.at + interval '15 ms' + d.ms * interval '1 ms', d.ms,
              jsonb_build_object('method', 'GET', 'url', 'http://127.0.0.1:9/j' || j || '/dev-' || (i % 500),
                                 'headers', jsonb_build_object('idempotency-key', md5(i::text), 'x-attempt', '1', 'authorization', '***')),
              CASE WHEN s.status IN ('succeeded', 'failed')
                   THEN jsonb_build_object('status', CASE s.status WHEN 'succeeded' THEN 200 ELSE 503 END,
                                           'headers', jsonb_build_object('content-type', 'application/json'),
                                           'body', '{"ok":' || (s.status = 'succeeded') || ',"n":' || i || '}', 'truncated', false)
                   ELSE NULL END,
              CASE s.status WHEN 'failed' THEN 'HTTP 503 Service Unavailable' WHEN 'timed_out' THEN 'Timed out after 30000 ms'
                            WHEN 'lost' THEN 'Lease expired and no attempts left' ELSE NULL END,
              jsonb_build_array(jsonb_build_object('attempt', 1, 'startedAt', c.at, 'finishedAt', c.at + d.ms * interval '1 ms',
                                                   'status', s.status, 'error', NULL, 'httpStatus', 200))
         FROM generate_series($3::int, $4::int) i
        CROSS JOIN LATERAL (SELECT ((i::bigint * 7919) % ${JOBS})::int AS j, now() - (i * $5::float8) * interval '1 second' - interval '1 minute' AS at) c
        CROSS JOIN LATERAL (SELECT (20 + (i::bigint * 104729) % 1980)::int AS ms) d
        CROSS JOIN LATERAL (SELECT CASE WHEN i % 100 < 60 THEN 'schedule' WHEN i % 100 < 75 THEN 'webhook' WHEN i % 100 < 85 THEN 'manual'
                                        WHEN i % 100 < 95 THEN 'api' WHEN i % 100 < 98 THEN 'chain' ELSE 'retry' END AS trigger) t
        CROSS JOIN LATERAL (SELECT CASE WHEN i % 1000 < 850 THEN 'succeeded' WHEN i % 1000 < 950 THEN 'failed'
                                        WHEN i % 1000 < 970 THEN 'timed_out' WHEN i % 1000 < 985 THEN 'cancelled'
                                        WHEN i % 1000 < 998 THEN 'skipped' ELSE 'lost' END AS status) s
       RETURNING id, started_at, request, response, duration_ms)
       -- 3 log lines for about every 10th execution
       INSERT INTO execution_logs (execution_id, at, level, message)
       SELECT ins.id, ins.started_at + k * interval '1 ms', CASE k WHEN 2 THEN 'warn' ELSE 'info' END,
              CASE k WHEN 0 THEN 'GET ' || (ins.request->>'url') WHEN 1 THEN 'HTTP ' || coalesce(ins.response->>'status', '-')
                     ELSE 'done in ' || ins.duration_ms || ' ms' END
         FROM ins CROSS JOIN generate_series(0, 2) k
        WHERE abs(hashtext(ins.id::text)) % 10 = 0`,
      [jobIds, scheduleIds, from, to, step],
    );
    process.stdout.write(`  loaded ${to + 1} executions\r`);
  }
  process.stdout.write('\n');
  await db.query('ANALYZE executions');
  await db.query('ANALYZE execution_logs');
}

/**
 * The database side of each read: EXPLAIN ANALYZE of the SQL the server sends (ExecutionsQueryService's
 * list shape with each filter, and the job status aggregates). Judged: no sequential scan of executions,
 * and under 100 ms in the database (the HTTP numbers above also carry a busy shared machine's CPU).
 */
async function explainPlans(db, { mid, deep, day, week }) {
  const cur = (c) => JSON.parse(Buffer.from(c, 'base64url').toString());
  const cols = `id, job_id, job_name, trigger, status, params, created_at, (response->>'status')::int AS http_status`;
  const { rows: j } = await db.query(`SELECT id FROM jobs WHERE name = 'job-07'`);
  const job = j[0].id;
  const list = (where, args, limit = 51) => [
    `SELECT ${cols} FROM executions ${where ? `WHERE ${where}` : ''} ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    args,
  ];
  const shapes = {
    'first page': list('', []),
    'page at 50%': list('(created_at, id) < ($1::timestamptz, $2::uuid)', cur(mid)),
    'page at 90%': list('(created_at, id) < ($1::timestamptz, $2::uuid)', cur(deep)),
    job: list('job_id = $1', [job]),
    'job, page at 90%': list('job_id = $1 AND (created_at, id) < ($2::timestamptz, $3::uuid)', [job, ...cur(deep)]),
    'status=failed': list('status = ANY($1::text[])', [['failed']]),
    'status=lost': list('status = ANY($1::text[])', [['lost']]),
    'trigger=webhook': list('trigger = ANY($1::text[])', [['webhook']]),
    'trigger=retry': list('trigger = ANY($1::text[])', [['retry']]),
    'trigger=fanout (none)': list('trigger = ANY($1::text[])', [['fanout']]),
    'job + status=cancelled': list('job_id = $1 AND status = ANY($2::text[])', [job, ['cancelled']]),
    'since 7 days': list('created_at >= $1::timestamptz', [week]),
    'since 7 days, status=timed_out': list('status = ANY($1::text[]) AND created_at >= $2::timestamptz', [
      ['timed_out'],
      week,
    ]),
    'dashboard: last 24 h': list(
      'trigger = ANY($1::text[]) AND created_at >= $2::timestamptz',
      [['manual', 'api', 'schedule', 'webhook', 'chain', 'retry'], day],
      201,
    ),
    'job status: counts and durations (7 days)': [
      `SELECT count(*) FILTER (WHERE status = 'succeeded' AND created_at >= now() - interval '1 day')::int AS s24,
              count(*) FILTER (WHERE status IN ('failed','timed_out','lost','partial'))::int AS f7,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) FILTER (WHERE status = 'succeeded') AS p95
         FROM executions WHERE job_id = $1 AND created_at >= now() - interval '7 days' AND children_total = 0`,
      [job],
    ],
    'job status: last run': [
      `SELECT ${cols} FROM executions WHERE job_id = $1 AND status NOT IN ('queued') AND trigger <> 'fanout'
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [job],
    ],
  };
  const out = [];
  for (const [label, [sql, args]] of Object.entries(shapes)) {
    await db.query(`EXPLAIN ANALYZE ${sql}`, args); // warm the cache like the HTTP reads did
    const { rows } = await db.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, args);
    const plan = rows[0]['QUERY PLAN'][0];
    const nodes = (function walk(n) {
      return [n, ...(n.Plans ?? []).flatMap(walk)];
    })(plan.Plan);
    out.push({
      label,
      ms: Math.round(plan['Execution Time'] * 10) / 10,
      seqScan: nodes.some((n) => String(n['Node Type']).includes('Seq Scan') && n['Relation Name'] === 'executions'),
      indexes: [...new Set(nodes.map((n) => n['Index Name']).filter(Boolean))],
      removedByFilter: nodes.reduce((s, n) => s + (n['Rows Removed by Filter'] ?? 0), 0),
    });
  }
  return out;
}

export default { name, aliases, run };

if (isMain(import.meta.url)) {
  run().then(
    (ok) => process.exit(ok ? 0 : 1),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
