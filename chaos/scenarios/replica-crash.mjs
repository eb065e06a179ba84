// Scenario 1, replica crash: 3 replicas, 200 every-second schedules and a stream of manual runs;
// `kill -9` one replica every 20 s (restarted 5 s later) for 3 minutes (1 minute with CHAOS_SHORT).
// Expect: every slot fired exactly once; executions end terminal within lease + reaper interval,
// none left running; a second attempt only where a lease expired (of a killed process), as attempt 2.
import { report, runIfMain, SHORT, sleep } from '../lib/cluster.mjs';
import { commonChecks, settle, setupCluster, startManualRuns } from '../lib/load.mjs';

export const name = 'replica-crash';
export const aliases = ['crash', '1'];

const LEASE_MS = 5000;
const REAPER_MS = LEASE_MS / 2; // worker.service.ts: reap every LEASE_MS / 2
const DURATION_S = Number(process.env.CHAOS_DURATION_S ?? (SHORT ? 60 : 180));
const KILL_EVERY_MS = 20_000;
const RESTART_AFTER_MS = 5000;

export async function run() {
  const c = await setupCluster({
    env: { LEASE_MS: String(LEASE_MS) },
    schedules: 200,
    policies: ['run_all'],
    mix: { latencyMs: [5, 300], errorRate: 0.02, timeoutRate: 0.005, hangMs: 3000 },
  });
  try {
    const from = Math.ceil(Date.now() / 1000) * 1000 + 1000;
    await sleep(from - Date.now());
    const manual = startManualRuns(c.replicas, c.token, { perSecond: 5 });
    const to = from + DURATION_S * 1000;
    const kills = [];
    const restarts = [];
    let next = 0;
    for (let at = from + KILL_EVERY_MS; at < to; at += KILL_EVERY_MS) {
      await sleep(at - Date.now());
      // The next replica that is up (one still starting is not killed again).
      let r = null;
      for (let k = 0; k < c.replicas.length && !r; k++) {
        const cand = c.replicas[(next + k) % c.replicas.length];
        if (cand.alive() && !cand.restarting) r = cand;
      }
      next++;
      if (!r) continue;
      const pid = r.pid;
      r.kill('SIGKILL');
      kills.push({ replica: r.name, pid, at: Date.now() });
      console.log(`  ${new Date().toISOString()} kill -9 ${r.name} (pid ${pid})`);
      r.restarting = true;
      void (async () => {
        await r.waitExit(5000);
        await sleep(RESTART_AFTER_MS);
        const t = Date.now();
        r.spawn();
        await r.waitReady().catch((err) => console.log(`  ${r.name} restart: ${err.message}`));
        restarts.push({ replica: r.name, pid: r.pid, readyMs: Date.now() - t });
        r.restarting = false;
      })();
    }
    await sleep(to - Date.now());
    await manual.stop();
    const settleMs = await settle(c.db);

    const { rows, details } = await commonChecks(c.db, {
      target: c.target,
      window: [from, to],
      manual: manual.state,
      killedPids: kills.map((k) => k.pid),
    });
    // Requeue delay of a killed process's executions: its kill -> the reaper's requeue (attempt entry finishedAt).
    const lost = await c.db.query(
      `SELECT a->>'error' AS error, (extract(epoch FROM (a->>'finishedAt')::timestamptz) * 1000)::float8 AS reaped_at
         FROM executions e, jsonb_array_elements(e.attempts) a WHERE a->>'status' = 'lost'`,
    );
    const delays = lost.rows
      .map((r) => {
        const pid = Number(/\(([^:]*):(\d+):/.exec(r.error ?? '')?.[2]);
        const kill = kills.find((k) => k.pid === pid);
        return kill ? r.reaped_at - kill.at : null;
      })
      .filter((d) => d !== null);
    const maxDelay = delays.length ? Math.round(Math.max(...delays)) : 0;
    const limit = LEASE_MS + REAPER_MS + 1000; // + 1 s for a busy shared machine
    rows.push(
      {
        expectation: 'kill -9 / restarts (ready after, ms)',
        value: `${kills.length} / ${restarts.map((r) => r.readyMs).join(', ')}`,
        pass: null,
      },
      {
        expectation: `killed executions requeued within lease + reaper (${limit} ms): max ms`,
        value: maxDelay,
        pass: maxDelay <= limit,
      },
      {
        expectation: 'unexpected process exits',
        value: c.replicas.flatMap((r) => r.exits.filter((e) => !e.expected)).length,
        pass: c.replicas.every((r) => r.exits.every((e) => e.expected)),
      },
      { expectation: 'settle after the load (ms)', value: settleMs, pass: null },
    );
    return await report(name, rows, {
      settings: {
        durationS: DURATION_S,
        schedules: 200,
        leaseMs: LEASE_MS,
        killEveryMs: KILL_EVERY_MS,
        restartAfterMs: RESTART_AFTER_MS,
      },
      kills,
      restarts,
      target: c.target.stats,
      details,
    });
  } finally {
    await c.close();
  }
}

runIfMain(import.meta.url, run);
