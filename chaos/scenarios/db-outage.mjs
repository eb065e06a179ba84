// Scenario 2, database outage: the load of scenario 1 (schedules with the misfire policies skip,
// run_once and run_all in turn), then the embedded Postgres is stopped for 10 s and started again.
// Expect: every replica's /api/health/ready answers 503 within 3 s of the stop and 200 within 5 s
// of the start; no process exits; missed slots follow each schedule's policy; nothing lost or
// duplicated (manual runs resent with their idempotencyKey until accepted).
import { report, runIfMain, SHORT, sleep } from '../lib/cluster.mjs';
import { commonChecks, settle, setupCluster, startManualRuns } from '../lib/load.mjs';

export const name = 'db-outage';
export const aliases = ['outage', '2'];

const OUTAGE_MS = 10_000;
const BEFORE_MS = SHORT ? 10_000 : 30_000;
const AFTER_MS = SHORT ? 15_000 : 30_000;
const TOLERANCE_MS = 5000; // SCHEDULER_MISFIRE_TOLERANCE_MS (default)

export async function run() {
  const c = await setupCluster({
    embedded: true, // the outage stops the Postgres: the harness's own
    // The default lease (30 s) outlives the outage: no execution may run twice because of it.
    env: { SCHEDULER_MISFIRE_TOLERANCE_MS: String(TOLERANCE_MS), LEASE_MS: '30000' },
    schedules: 200,
    policies: ['skip', 'run_once', 'run_all'],
    mix: { latencyMs: [5, 300], errorRate: 0.02, timeoutRate: 0.005, hangMs: 3000 },
  });
  try {
    const from = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await sleep(from - Date.now());
    const manual = startManualRuns(c.replicas, c.token, { perSecond: 5, giveUpMs: 90_000 });
    await sleep(BEFORE_MS);

    // Readiness of every replica, polled every 200 ms from the stop until it answered 200 after the
    // start. Only requests sent after the stop (for 503) / after the start (for 200) count; the time
    // is when the answer arrived.
    const stopAt = Date.now();
    const probes = c.replicas.map((r) => ({ replica: r.name, down: null, up: null, errors: 0, last: null }));
    let startedAt = Infinity;
    let polling = true;
    const poll = Promise.all(
      c.replicas.map(async (r, i) => {
        const p = probes[i];
        while (polling) {
          const sent = Date.now();
          let status;
          try {
            status = (await fetch(`${r.url}/api/health/ready`, { signal: AbortSignal.timeout(2000) })).status;
          } catch (err) {
            status = err.name === 'TimeoutError' ? 'timeout' : 'refused';
            p.errors++;
          }
          const got = Date.now();
          p.last = status;
          if (p.down === null && status === 503) p.down = got;
          if (p.up === null && sent >= startedAt && status === 200) p.up = got;
          if (p.up !== null) return;
          await sleep(200 - (Date.now() - sent));
        }
      }),
    );
    console.log(`  ${new Date().toISOString()} stopping Postgres`);
    await c.pgc.stop();
    const stoppedAt = Date.now();
    await sleep(OUTAGE_MS - (Date.now() - stopAt));
    console.log(`  ${new Date().toISOString()} starting Postgres (stop took ${stoppedAt - stopAt} ms)`);
    const startAt = Date.now();
    await c.pgc.start();
    startedAt = Date.now();
    const timer = setTimeout(() => (polling = false), 60_000);
    await poll;
    clearTimeout(timer);
    polling = false;
    await sleep(AFTER_MS);
    const to = Math.floor(Date.now() / 1000) * 1000;
    await manual.stop();
    const settleMs = await settle(c.db);

    const { rows, details } = await commonChecks(c.db, {
      target: c.target,
      window: [from, to],
      manual: manual.state,
      killedPids: [],
      policyOk: true,
    });
    const rowsOut = [];
    const add = (expectation, value, pass) => rowsOut.push({ expectation, value, pass });
    add('Postgres stopped / started (ms to stop, to start)', `${stoppedAt - stopAt} / ${startedAt - startAt}`, null);
    for (const p of probes) {
      const down = p.down === null ? null : p.down - stopAt;
      const up = p.up === null ? null : p.up - startedAt;
      add(`${p.replica}: ready 503 after the stop (ms, ≤ 3000)`, down, down !== null && down <= 3000);
      add(`${p.replica}: ready 200 after the start (ms, ≤ 5000)`, up, up !== null && up <= 5000);
    }
    const exits = c.replicas.flatMap((r) => r.exits);
    add('process exits', exits.length, exits.length === 0 && c.replicas.every((r) => r.alive()));

    // Misfires per policy, over the window's slots of each schedule.
    const per = await c.db.query(
      `WITH x AS (
         SELECT s.id, s.misfire_policy AS policy, g AS slot, e.id AS exec,
                extract(epoch FROM e.created_at - e.scheduled_for) * 1000 AS lag_ms
           FROM schedules s
           CROSS JOIN generate_series($1::timestamptz, $2::timestamptz - interval '1 second', interval '1 second') g
           LEFT JOIN executions e ON e.schedule_id = s.id AND e.scheduled_for = g),
       gaps AS (
         SELECT id, policy, slot, exec, lag_ms,
                lag(exec) OVER (PARTITION BY id ORDER BY slot) IS NULL AND exec IS NOT NULL
                  AND slot > $1::timestamptz AS after_gap
           FROM x)
       SELECT policy,
              count(*) FILTER (WHERE exec IS NULL)::int AS missed,
              count(*) FILTER (WHERE lag_ms >= $3)::int AS late,
              count(*) FILTER (WHERE after_gap)::int AS gaps,
              count(*) FILTER (WHERE after_gap AND lag_ms >= $3)::int AS gaps_caught_up,
              count(DISTINCT id) FILTER (WHERE exec IS NULL)::int AS schedules_missing
         FROM gaps GROUP BY policy ORDER BY policy`,
      [new Date(from), new Date(to), TOLERANCE_MS],
    );
    const by = Object.fromEntries(per.rows.map((r) => [r.policy, r]));
    const z = { missed: 0, late: 0, gaps: 0, gaps_caught_up: 0, schedules_missing: 0 };
    const skip = by.skip ?? z;
    const once = by.run_once ?? z;
    const all = by.run_all ?? z;
    add('skip: slots missed (schedules) — dropped by policy', `${skip.missed} (${skip.schedules_missing})`, null);
    add('skip: slots fired late (a catch-up; should be 0)', skip.late, skip.late === 0);
    add('run_once: slots missed (schedules) / gaps', `${once.missed} (${once.schedules_missing}) / ${once.gaps}`, null);
    add(
      'run_once: gaps without one catch-up run right after',
      once.gaps - once.gaps_caught_up,
      once.gaps === once.gaps_caught_up,
    );
    add(
      'run_once: catch-up runs that were not right after a gap',
      once.late - once.gaps_caught_up,
      once.late === once.gaps_caught_up,
    );
    add('run_all: slots missed (all caught up)', all.missed, all.missed === 0);
    add('run_all: slots caught up late', all.late, null);
    add('settle after the load (ms)', settleMs, null);

    return await report(name, [...rowsOut, ...rows], {
      settings: {
        outageMs: OUTAGE_MS,
        beforeMs: BEFORE_MS,
        afterMs: AFTER_MS,
        schedules: 200,
        toleranceMs: TOLERANCE_MS,
      },
      probes: probes.map((p) => ({ ...p, down: p.down && p.down - stopAt, up: p.up && p.up - startedAt })),
      policies: by,
      target: c.target.stats,
      details,
    });
  } finally {
    await c.close();
  }
}

runIfMain(import.meta.url, run);
