// Each worst input alone against one replica: status, the replica's CPU ms for it (from /proc, so the
// figure holds on a busy machine), its longest event-loop stall (prom-client's monitorEventLoopDelay
// max) and the /api/health/live probes' max. `ONLY=fan node chaos/probe-worst.mjs`; PROF=dir writes
// a CPU profile of the replica.
import { readFileSync } from 'node:fs';
import { startPostgres, startReplica, adminToken, startTarget } from './lib/cluster.mjs';
import { createWorstJobs, worstRequests, probeLive } from './lib/worst-inputs.mjs';

const pg = await startPostgres({ embedded: true });
const nodeArgs = process.env.PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROF}`] : [];
const r = await startReplica({ dbUrl: pg.url, name: 'probe', nodeArgs });
const token = await adminToken(r.url);
const target = await startTarget({ latencyMs: [1, 2] });
await createWorstJobs(r.url, token, target.url);
const auth = { authorization: `Bearer ${token}` };
const cpuMs = () => {
  const f = readFileSync(`/proc/${r.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
};
const lagMax = async () => {
  const text = await (await fetch(`${r.url}/api/metrics`, { headers: auth })).text();
  return Number(/^nodejs_eventloop_lag_max_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1000;
};
const quiet = async () => {
  // Until the replica is idle again (children of a fan-out run to the end): CPU flat for 1 s.
  for (let last = cpuMs(), i = 0; i < 60; i++) {
    await new Promise((x) => setTimeout(x, 1000));
    const now = cpuMs();
    if (now - last < 50) return;
    last = now;
  }
};
const only = process.env.ONLY;
const seen = new Set();
const rows = [];
for (const w of worstRequests().filter((w) => !w.glob && (!only || w.name.includes(only)))) {
  if (seen.has(w.name) && !only) continue; // one of each (the schedule burst repeats one request)
  seen.add(w.name);
  await quiet();
  await lagMax(); // resets the histogram
  const prober = probeLive([r.url], 10);
  const cpu0 = cpuMs();
  const t0 = performance.now();
  const res = await fetch(r.url + w.path, {
    method: w.method,
    headers: { ...auth, ...(w.body ? { 'content-type': 'application/json' } : {}) },
    body: w.body,
  }).catch(() => ({ status: 0 }));
  const ms = performance.now() - t0;
  const cpuReq = cpuMs() - cpu0;
  await quiet();
  const cpuAll = cpuMs() - cpu0;
  const p = await prober.stop();
  const lag = await lagMax();
  rows.push({
    name: w.name,
    status: res.status,
    ms: Math.round(ms),
    cpuReq,
    cpuAll,
    lagMaxMs: Math.round(lag),
    liveMax: Math.round(Math.max(...p.ms)),
  });
  console.log(
    `${w.name.slice(0, 48).padEnd(48)} ${res.status} ${String(Math.round(ms)).padStart(6)} ms  cpu ${String(cpuReq).padStart(5)} / ${String(cpuAll).padStart(6)} ms  loop max ${String(Math.round(lag)).padStart(4)} ms  live max ${Math.round(Math.max(...p.ms))} ms`,
  );
}
await r.kill('SIGTERM');
await r.waitExit(10000);
await pg.close();
process.exit(0);
