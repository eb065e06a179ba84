// The load of scenarios 1–3 and the checks they share, all read back from the database rows and the
// target's counts: jobs + every-second schedules, a stream of manual runs (each with its own
// idempotencyKey, resent to the next replica until one accepts it), then settle and verify.
import { api, sleep, waitFor } from './cluster.mjs';

/**
 * Creates `schedules` jobs with one every-second schedule each (misfire policy per index from
 * `policies`), plus the `manual` job for the manual runs, with one `POST /api/v1/config/apply`
 * (jobs.yaml; JSON is YAML). All call the target (timeout 2 s, up to 3 attempts, 200 ms backoff).
 */
export async function createLoad(replica, token, targetUrl, { schedules, policies = ['run_all'] }) {
  const job = (name) => ({
    name,
    executor: {
      kind: 'http',
      method: 'POST',
      url: `${targetUrl}/${name}`,
      // The target records the execution per call from here, whatever Idempotency-Key it is sent.
      query: { execution: '{{ execution.id }}' },
      body: { n: 1 },
      timeoutMs: 2000,
    },
    retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 200, jitter: false },
  });
  const jobs = [job('manual')];
  for (let i = 0; i < schedules; i++) {
    jobs.push({
      ...job(`sched-${String(i).padStart(4, '0')}`),
      schedules: [
        { name: 'every-second', cron: '* * * * * *', timezone: 'UTC', misfirePolicy: policies[i % policies.length] },
      ],
    });
  }
  const res = await fetch(`${replica.url}/api/v1/config/apply`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/yaml' },
    body: JSON.stringify({ version: 1, jobs }),
    signal: AbortSignal.timeout(120_000),
  });
  if (res.status !== 200 && res.status !== 201) throw new Error(`config apply: HTTP ${res.status} ${await res.text()}`);
}

/**
 * Manual runs at `perSecond`, round-robin over the replicas that are up. A request that fails
 * (network error, 5xx, 429) is resent with the same idempotencyKey to the next replica, for up to
 * `giveUpMs`. `accepted` maps key -> execution id; `rejected` counts keys given up on.
 */
export function startManualRuns(replicas, token, { perSecond = 10, giveUpMs = 60_000 } = {}) {
  const state = { sent: 0, accepted: new Map(), resent: 0, rejected: [], clientErrors: [], inFlight: 0 };
  let n = 0;
  let rr = 0;
  let stopped = false;
  const submit = async (key) => {
    const until = Date.now() + giveUpMs;
    state.inFlight++;
    try {
      for (let tries = 0; ; tries++) {
        const r = replicas[rr++ % replicas.length];
        try {
          const res = await api(r.url, token, 'POST', '/api/v1/jobs/manual/runs', { idempotencyKey: key }, 5000);
          if (res.status === 202 || res.status === 200) {
            state.accepted.set(key, res.body.execution.id);
            return;
          }
          if (res.status < 500 && res.status !== 429) {
            state.clientErrors.push({ key, status: res.status, body: res.body });
            return;
          }
        } catch {
          /* replica down or slow: the next one */
        }
        if (Date.now() > until) {
          state.rejected.push(key);
          return;
        }
        state.resent++;
        await sleep(tries < 3 ? 100 : 500);
      }
    } finally {
      state.inFlight--;
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    state.sent++;
    void submit(`chaos-${process.pid}-${++n}`);
  }, 1000 / perSecond);
  return {
    state,
    /** Stops sending and waits for the requests still being resent. */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await waitFor(() => state.inFlight === 0, 120_000, 'manual runs settled');
    },
  };
}

/** Pauses every schedule (SQL: the replicas may be busy) and waits until nothing is queued or running. */
export async function settle(db, timeoutMs = 600_000) {
  await db.query('UPDATE schedules SET enabled = false');
  const started = Date.now();
  await waitFor(
    async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS n FROM executions WHERE status IN ('queued', 'running')`,
      );
      return rows[0].n === 0;
    },
    timeoutMs,
    'no execution queued or running',
    500,
  ).catch(() => {});
  return Date.now() - started;
}

/** Count of a one-row query's `n`. */
export async function count(db, sql, params = []) {
  const { rows } = await db.query(sql, params);
  return Number(rows[0].n);
}

/**
 * The checks every scenario makes. `window` = [from, to) ms of the slots that must all be there
 * (null: skip that check); `killedPids` = pids whose leases may expire; `manual` = startManualRuns state.
 */
export async function commonChecks(db, { target, window, manual, killedPids = [], policyOk = null }) {
  const rows = [];
  const add = (expectation, value, pass) => rows.push({ expectation, value, pass });
  const w = window ? [new Date(window[0]), new Date(window[1])] : null;

  const exec = await db.query(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE trigger = 'schedule')::int AS scheduled,
            count(*) FILTER (WHERE idempotency_key IS NOT NULL)::int AS manual,
            count(*) FILTER (WHERE status = 'succeeded')::int AS succeeded,
            count(*) FILTER (WHERE status NOT IN ('succeeded'))::int AS other
       FROM executions`,
  );
  add(
    'executions (total / scheduled / manual)',
    `${exec.rows[0].total} / ${exec.rows[0].scheduled} / ${exec.rows[0].manual}`,
    null,
  );

  if (w) {
    const slots = await db.query(
      `WITH expected AS (
         SELECT s.id AS schedule_id, g AS slot
           FROM schedules s, generate_series($1::timestamptz, $2::timestamptz - interval '1 second', interval '1 second') g)
       SELECT count(*)::int AS expected,
              count(e.id)::int AS present,
              (SELECT count(*) FROM executions WHERE trigger = 'schedule'
                  AND scheduled_for >= $1 AND scheduled_for < $2)::int AS rows_in_window
         FROM expected x LEFT JOIN LATERAL (
           SELECT id FROM executions e WHERE e.schedule_id = x.schedule_id AND e.scheduled_for = x.slot LIMIT 1) e ON true`,
      w,
    );
    const s = slots.rows[0];
    if (policyOk === null)
      add('slots fired (present / expected)', `${s.present} / ${s.expected}`, s.present === s.expected);
    else add('slots fired (present / expected; misses per policy below)', `${s.present} / ${s.expected}`, null);
    add('slots fired twice', s.rows_in_window - s.present, s.rows_in_window === s.present);
  }
  const dupSlots = await count(
    db,
    `SELECT count(*) AS n FROM (SELECT 1 FROM executions WHERE schedule_id IS NOT NULL AND scheduled_for IS NOT NULL
       GROUP BY schedule_id, scheduled_for HAVING count(*) > 1) d`,
  );
  add('any slot with two executions (all time)', dupSlots, dupSlots === 0);

  const left = await db.query(
    `SELECT status, count(*)::int AS n FROM executions WHERE status IN ('queued', 'running') GROUP BY status`,
  );
  add(
    'left queued / running after settle',
    left.rows.map((r) => `${r.status} ${r.n}`).join(', ') || 0,
    left.rows.length === 0,
  );

  const statuses = await db.query(`SELECT status, count(*)::int AS n FROM executions GROUP BY status ORDER BY status`);
  add('final statuses', Object.fromEntries(statuses.rows.map((r) => [r.status, r.n])), null);

  // Every earlier attempt of an execution ended in a lease expiry (of a killed process) or a retryable failure.
  const prior = await db.query(
    `SELECT e.id, e.attempt AS final, a
       FROM executions e, jsonb_array_elements(e.attempts) a
      WHERE (a->>'attempt')::int < e.attempt OR a->>'status' = 'lost'`,
  );
  let leaseAttempts = 0;
  let retryAttempts = 0;
  const unexplained = [];
  const wrongOwner = [];
  for (const r of prior.rows) {
    const a = r.a;
    if (a.status === 'lost') {
      leaseAttempts++;
      const pid = /\(([^:]*):(\d+):/.exec(a.error ?? '')?.[2];
      if (!pid || !killedPids.includes(Number(pid))) wrongOwner.push({ id: r.id, attempt: a.attempt, error: a.error });
    } else if (
      ['failed', 'timed_out'].includes(a.status) &&
      (a.httpStatus === null || a.httpStatus >= 500 || a.httpStatus === 429)
    ) {
      retryAttempts++;
    } else unexplained.push({ id: r.id, attempt: a.attempt, status: a.status });
  }
  add('attempts ended by lease expiry (→ next attempt)', leaseAttempts, null);
  add('  of which the worker was not a killed process', wrongOwner.length, wrongOwner.length === 0);
  add('attempts retried after a 5xx / timeout (target mix)', retryAttempts, null);
  add('earlier attempts with no such reason', unexplained.length, unexplained.length === 0);
  const lostFinal = await count(db, `SELECT count(*) AS n FROM executions WHERE status = 'lost'`);
  add('executions lost (attempts used up by lease expiries)', lostFinal, lostFinal === 0);

  // Every attempt with an HTTP status was seen by the target as (execution, X-Attempt); one execution
  // is sent one Idempotency-Key (its id) on every attempt, so a target can drop a repeat after a crash.
  const keyRows = await db.query(
    `SELECT e.id || ':' || (a->>'attempt') AS key, a->>'status' AS status, (a->>'httpStatus') AS http
       FROM executions e, jsonb_array_elements(e.attempts) a`,
  );
  const known = new Set(keyRows.rows.map((r) => r.key));
  let missingCalls = 0;
  for (const r of keyRows.rows) if (r.http !== null && !target.calls.has(r.key)) missingCalls++;
  const strangers = [...target.calls.keys()].filter((k) => !known.has(k));
  const repeated = target.repeatedKeys();
  const calledTwice = target.calledTwice();
  const wrongKeys = target.wrongKeys();
  add('target calls (total)', target.stats.requests, null);
  add(
    'calls without an execution id / without an Idempotency-Key',
    `${target.stats.noExecution} / ${target.stats.noKey}`,
    target.stats.noExecution === 0 && target.stats.noKey === 0,
  );
  add('executions the target was called for more than once (any key)', calledTwice.length, null);
  add('executions sent another Idempotency-Key than their id', wrongKeys.length, wrongKeys.length === 0);
  add('(execution, attempt) called more than once', repeated.length, repeated.length === 0);
  add('executions called twice at the same time', target.overlaps.length, target.overlaps.length === 0);
  add('attempts with an HTTP status but no call seen', missingCalls, missingCalls === 0);
  add('calls of no recorded (execution, attempt)', strangers.length, null);

  if (manual) {
    const keys = [...manual.accepted.keys()];
    const found = await db.query(
      `SELECT idempotency_key AS key, count(*)::int AS n FROM executions
        WHERE idempotency_key = ANY($1::text[]) GROUP BY idempotency_key`,
      [keys],
    );
    const byKey = new Map(found.rows.map((r) => [r.key, r.n]));
    const lost = keys.filter((k) => !byKey.has(k));
    const twice = found.rows.filter((r) => r.n > 1).length;
    add('manual runs sent / accepted / resent requests', `${manual.sent} / ${keys.length} / ${manual.resent}`, null);
    add('manual runs given up (never accepted)', manual.rejected.length, manual.rejected.length === 0);
    add('manual runs refused with a 4xx', manual.clientErrors.length, manual.clientErrors.length === 0);
    add('accepted manual runs with no execution', lost.length, lost.length === 0);
    add('manual keys with two executions', twice, twice === 0);
  }
  return {
    rows,
    calledTwice,
    details: {
      wrongOwner: wrongOwner.slice(0, 20),
      unexplained: unexplained.slice(0, 20),
      repeated: repeated.slice(0, 20),
      calledTwice: calledTwice.slice(0, 20),
      wrongKeys: wrongKeys.slice(0, 20),
      strangers: strangers.slice(0, 20),
    },
  };
}

/**
 * Postgres + target + `replicas` servers + token + the load's jobs and schedules. `close()` stops
 * everything (replicas by SIGTERM, then SIGKILL) and drops the database.
 */
export async function setupCluster({ replicas = 3, env = {}, schedules = 200, policies, mix, embedded } = {}) {
  const { adminToken, startPostgres, startReplicas, startTarget } = await import('./cluster.mjs');
  const pgc = await startPostgres(embedded === undefined ? {} : { embedded });
  const target = await startTarget(mix);
  let rs = [];
  const close = async () => {
    await Promise.all(rs.map((r) => r.stop().catch(() => {})));
    rs.forEach((r) => r.close());
    await target.close();
    await pgc.close();
  };
  try {
    const t0 = Date.now();
    rs = await startReplicas(replicas, pgc.url, env);
    const token = await adminToken(rs[0].url);
    await createLoad(rs[0], token, target.url, { schedules, policies });
    console.log(
      `  ${replicas} replicas ready, ${schedules} schedules created in ${Math.round((Date.now() - t0) / 1000)} s`,
    );
    return { pgc, db: pgc.db, target, replicas: rs, token, close };
  } catch (err) {
    await close();
    throw err;
  }
}
