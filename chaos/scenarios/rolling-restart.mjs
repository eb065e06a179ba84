// Scenario 3, graceful rollout: the load of scenario 1 with a target that never fails (so any failure
// is the restart's), then SIGTERM each replica in turn, start it again and wait until it is ready
// (a rolling restart): one round (CHAOS_ROUNDS for more).
// Expect: zero executions lost, zero run twice, zero failed because of the restart; clean exits.
import { report, runIfMain, sleep } from '../lib/cluster.mjs';
import { commonChecks, count, settle, setupCluster, startManualRuns } from '../lib/load.mjs';

export const name = 'rolling-restart';
export const aliases = ['rollout', 'restart', '3'];

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 1);
const PAUSE_MS = 5000;

export async function run() {
  const c = await setupCluster({
    env: { SHUTDOWN_GRACE_MS: '10000', LEASE_MS: '30000' },
    schedules: 200,
    policies: ['run_all'],
    // Up to 1.5 s per call (the jobs time out at 2 s): calls are in flight whenever a replica stops.
    mix: { latencyMs: [5, 1500], errorRate: 0, timeoutRate: 0 },
  });
  try {
    const from = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await sleep(from - Date.now());
    const manual = startManualRuns(c.replicas, c.token, { perSecond: 5 });
    await sleep(PAUSE_MS);
    const stops = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of c.replicas) {
        const pid = r.pid;
        const t = Date.now();
        console.log(`  ${new Date().toISOString()} SIGTERM ${r.name} (pid ${pid})`);
        r.kill('SIGTERM');
        const exit = await r.waitExit(120_000); // grace 10 s; a starved machine is slow
        const stoppedMs = Date.now() - t;
        const t2 = Date.now();
        r.spawn();
        await r.waitReady();
        stops.push({
          replica: r.name,
          pid,
          exit: exit && { code: exit.code, signal: exit.signal },
          stoppedMs,
          readyMs: Date.now() - t2,
        });
        await sleep(PAUSE_MS);
      }
    }
    const to = Math.floor(Date.now() / 1000) * 1000;
    await manual.stop();
    const settleMs = await settle(c.db);

    const { rows, details, calledTwice } = await commonChecks(c.db, {
      target: c.target,
      window: [from, to],
      manual: manual.state,
      killedPids: [],
    });
    const failed = await count(c.db, `SELECT count(*) AS n FROM executions WHERE status <> 'succeeded'`);
    // A second attempt because of the restart: an earlier attempt that did not time out (a call of at
    // most 1.5 s timing out at 2 s is the machine stalling, reported apart).
    const rerun = await count(
      c.db,
      `SELECT count(DISTINCT e.id) AS n FROM executions e, jsonb_array_elements(e.attempts) a
        WHERE (a->>'attempt')::int < e.attempt AND a->>'status' <> 'timed_out'`,
    );
    // The target's own view, whatever keys it was sent: an execution it saw twice had a call cut by the
    // restart, unless an earlier attempt timed out (the busy machine, reported below).
    const timedOutIds = await c.db.query(
      `SELECT DISTINCT e.id::text AS id FROM executions e, jsonb_array_elements(e.attempts) a
        WHERE a->>'status' = 'timed_out'`,
    );
    const slow = new Set(timedOutIds.rows.map((r) => r.id));
    const calledTwiceByRestart = calledTwice.filter((id) => !slow.has(id));
    const timedOut = await count(
      c.db,
      `SELECT count(*) AS n FROM executions e, jsonb_array_elements(e.attempts) a WHERE a->>'status' = 'timed_out'`,
    );
    const pre = [
      {
        expectation: 'SIGTERM → exit (code; ms) per replica',
        value: stops
          .map((s) => `${s.replica}: ${s.exit ? (s.exit.code ?? s.exit.signal) : 'no exit'}; ${s.stoppedMs}`)
          .join(', '),
        pass: stops.every((s) => s.exit && s.exit.code === 0),
      },
      { expectation: 'restarted replica ready after (ms)', value: stops.map((s) => s.readyMs).join(', '), pass: null },
      { expectation: 'executions not succeeded (the target never fails)', value: failed, pass: failed === 0 },
      { expectation: 'executions with a second attempt because of the restart', value: rerun, pass: rerun === 0 },
      {
        expectation: 'executions the target was called for twice because of the restart',
        value: calledTwiceByRestart.length,
        pass: calledTwiceByRestart.length === 0,
      },
      { expectation: 'attempts timed out (2 s) on the busy machine, then retried', value: timedOut, pass: null },
      {
        expectation: 'unexpected process exits',
        value: c.replicas.flatMap((r) => r.exits.filter((e) => !e.expected)).length,
        pass: c.replicas.every((r) => r.exits.every((e) => e.expected)),
      },
      { expectation: 'settle after the load (ms)', value: settleMs, pass: null },
    ];
    return await report(name, [...pre, ...rows], {
      settings: { rounds: ROUNDS, pauseMs: PAUSE_MS, schedules: 200, shutdownGraceMs: 10000 },
      stops,
      target: c.target.stats,
      details,
    });
  } finally {
    await c.close();
  }
}

runIfMain(import.meta.url, run);
