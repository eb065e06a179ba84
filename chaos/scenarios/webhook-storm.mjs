// Scenario 4, webhook storm: 10,000 signed GitHub push deliveries at high concurrency, round-robin over
// 3 replicas: 80% new deliveries, 10% redeliveries of one of them (same X-GitHub-Delivery and body;
// half sent at the same moment as the first, to another replica), 5% bad signatures, 5% malformed JSON
// (correctly signed). Expect, checked in the database: every unique delivery recorded once and its
// executions created exactly once (one per matched job); every bad one 401/400 and stored nowhere;
// zero 5xx. Reports throughput and latency percentiles. Workers and scheduler are off: the queued
// rows are what is checked, not the calls they would make.
//
//   node chaos/scenarios/webhook-storm.mjs        (CHAOS_SHORT=1: 1,000 deliveries; CHAOS_DELIVERIES=n)
import { createHmac } from 'node:crypto';
import { SHORT, report, startPostgres, startReplicas } from '../lib/cluster.mjs';
import { isMain, percentile, pool, prng, request } from '../lib/extra.mjs';

export const name = 'webhook-storm';
export const aliases = ['storm', '4'];
const SECRET = 'chaos-storm-webhook-secret';
const SERVICES = 20;
const CONCURRENCY = 64;

function sign(body, secret = SECRET) {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** A push touching `services` (each matched by the job svc-<n>), plus files no job watches. */
function push(rng, i, services) {
  const files = [];
  for (const s of services) for (let f = 0; f < 5; f++) files.push(`services/svc-${s}/src/file-${i}-${f}.ts`);
  files.push(`docs/readme-${i}.md`);
  const sha = (n) => (i * 1000 + n).toString(16).padStart(40, '0');
  const commits = [0, 1].map((c) => ({
    id: sha(c + 1),
    message: `change ${i}.${c} 日本語 😀`,
    timestamp: '2026-03-01T10:00:00+09:00',
    author: { name: 'Dev', email: 'dev@example.com', username: 'dev' },
    added: c === 0 ? files.slice(0, 3) : [],
    removed: [],
    modified: c === 1 ? files.slice(3) : [],
  }));
  return {
    ref: 'refs/heads/main',
    before: sha(0),
    after: sha(2),
    repository: { full_name: 'org/storm', name: 'storm', owner: { login: 'org' }, default_branch: 'main' },
    pusher: { name: 'dev' },
    sender: { login: 'dev' },
    created: false,
    deleted: false,
    forced: false,
    commits,
    head_commit: commits[1],
    salt: rng.int(0, 1e9),
  };
}

export async function run(opts = {}) {
  const total = Number(process.env.CHAOS_DELIVERIES ?? opts.deliveries ?? (SHORT ? 1000 : 10_000));
  const rng = prng(Number(process.env.CHAOS_SEED ?? 4242));
  const pg = await startPostgres();
  const replicas = await startReplicas(3, pg.url, {
    WEBHOOK_SECRET: SECRET,
    WORKERS_ENABLED: 'false',
    SCHEDULER_ENABLED: 'false',
    DB_POOL_SIZE: '30',
  });
  try {
    for (let s = 0; s < SERVICES; s++) {
      await pg.db.query(`INSERT INTO jobs (name, executor, triggers) VALUES ($1, $2, $3)`, [
        `svc-${s}`,
        { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/build' },
        {
          github: [
            {
              repository: 'org/storm',
              branches: ['main'],
              watchFiles: [`services/svc-${s}/**`, '!**/*.md'],
              params: {},
            },
          ],
        },
      ]);
    }

    // The plan: 80% unique, 10% redeliveries, 5% bad signatures, 5% malformed JSON.
    const nUnique = Math.round(total * 0.8);
    const nRedeliver = Math.round(total * 0.1);
    const nBadSig = Math.round(total * 0.05);
    const nBadJson = total - nUnique - nRedeliver - nBadSig;
    const uniques = [];
    for (let i = 0; i < nUnique; i++) {
      const k = rng.int(0, 3); // 0..3 services (0: nothing matches → no_match, no executions)
      const services = new Set();
      while (services.size < k) services.add(rng.int(0, SERVICES - 1));
      const body = JSON.stringify(push(rng, i, [...services]));
      uniques.push({ kind: 'unique', id: rng.uuid(), body, expected: [...services].map((s) => `svc-${s}`).sort() });
    }
    let plan = [...uniques];
    for (let i = 0; i < nBadSig; i++) {
      const body = JSON.stringify(push(rng, nUnique + i, [rng.int(0, SERVICES - 1)]));
      const signature = rng.pick([
        sign(body, 'wrong-secret'),
        sign(body + ' '),
        'sha256=' + '0'.repeat(64),
        'sha1=' + '0'.repeat(40),
        '',
        null,
      ]);
      plan.push({ kind: 'bad-signature', id: rng.uuid(), body, signature });
    }
    for (let i = 0; i < nBadJson; i++) {
      const body = rng.pick(['{"ref":"refs/heads/main",', '{', 'not json', '[1,2', '{"a":}', '\u0000']) + i;
      plan.push({ kind: 'malformed-json', id: rng.uuid(), body });
    }
    // Shuffle, then add the redeliveries: half right next to their first delivery (concurrent,
    // another replica), half later.
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    for (let i = 0; i < nRedeliver; i++) {
      const first = rng.pick(uniques);
      const at = plan.indexOf(first);
      const pos = i % 2 === 0 ? at + 1 : rng.int(at + 1, plan.length);
      plan.splice(pos, 0, { kind: 'redelivery', id: first.id, body: first.body, of: first });
    }

    const latencies = [];
    const byKind = {};
    const wrong = [];
    const fiveXX = [];
    const answers = new Map(); // delivery id -> triggered_jobs answered (first and redeliveries)
    const started = performance.now();
    await pool(plan.length, CONCURRENCY, async (i) => {
      const d = plan[i];
      const replica = replicas[i % replicas.length];
      const headers = { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': d.id };
      const signature = d.kind === 'bad-signature' ? d.signature : sign(d.body);
      if (signature !== null) headers['x-hub-signature-256'] = signature;
      const res = await request(`${replica.url}/api/v1/webhooks/github`, {
        method: 'POST',
        headers,
        body: d.body,
        // A connection per delivery, as GitHub sends them: no idle keep-alive socket closed by the
        // server at the moment it is reused (a client-side race, not the receiver's answer).
        keepAlive: false,
      });
      latencies.push(res.ms);
      const k = (byKind[d.kind] ??= {});
      k[res.status] = (k[res.status] ?? 0) + 1;
      const expected = { unique: 200, redelivery: 200, 'bad-signature': 401, 'malformed-json': 400 }[d.kind];
      if (res.status >= 500 || res.status === 0)
        fiveXX.push({ kind: d.kind, id: d.id, status: res.status, answer: res.text ?? res.error });
      if (res.status !== expected)
        wrong.push({ kind: d.kind, id: d.id, status: res.status, answer: (res.text ?? res.error)?.slice(0, 200) });
      if (res.status === 200) {
        const list = answers.get(d.id) ?? [];
        list.push(JSON.stringify([...(res.json?.triggered_jobs ?? [])].sort()));
        answers.set(d.id, list);
      }
    });
    const seconds = (performance.now() - started) / 1000;

    // Checked in the database.
    const ids = uniques.map((u) => u.id);
    const { rows: recorded } = await pg.db.query(
      `SELECT d.delivery_key, d.duplicate_count, count(e.id)::int AS executions,
              coalesce(array_agg(e.job_name ORDER BY e.job_name) FILTER (WHERE e.id IS NOT NULL), '{}') AS jobs
         FROM webhook_deliveries d LEFT JOIN executions e ON e.delivery_id = d.id
        GROUP BY d.id`,
    );
    const byKey = new Map(recorded.map((r) => [r.delivery_key, r]));
    const missing = ids.filter((id) => !byKey.has(id));
    const strays = recorded.filter((r) => !ids.includes(r.delivery_key));
    const mismatched = uniques.filter((u) => {
      const r = byKey.get(u.id);
      return r && JSON.stringify(r.jobs) !== JSON.stringify(u.expected);
    });
    const { rows: dupRows } = await pg.db.query(
      `SELECT delivery_id, job_id, count(*)::int AS n FROM executions GROUP BY 1, 2 HAVING count(*) > 1`,
    );
    const { rows: keyDups } = await pg.db.query(
      `SELECT delivery_key FROM webhook_deliveries GROUP BY provider, delivery_key HAVING count(*) > 1`,
    );
    const expectedExecutions = uniques.reduce((s, u) => s + u.expected.length, 0);
    const { rows: totals } = await pg.db.query(`SELECT count(*)::int AS n FROM executions`);
    const duplicateCounted = recorded.reduce((s, r) => s + r.duplicate_count, 0);
    // Every answer to a delivery id (first or redelivery) names the same jobs.
    const inconsistent = [...answers].filter(([, l]) => new Set(l).size > 1).length;
    const crashed = replicas.filter((x) => !x.alive() || x.exits.length > 0).length;

    const rows = [
      {
        expectation: `deliveries sent over 3 replicas (${CONCURRENCY} at a time)`,
        value: plan.length,
        pass: plan.length === total,
      },
      { expectation: 'answers by kind and status', value: byKind, pass: null },
      {
        expectation: 'throughput (deliveries/s, shared 2-core machine)',
        value: Math.round(plan.length / seconds),
        pass: null,
      },
      {
        expectation: 'latency p50 / p95 / p99 / max (ms)',
        value: [0.5, 0.95, 0.99, 1].map((p) => percentile(latencies, p)).join(' / '),
        pass: null,
      },
      { expectation: '5xx or connection errors', value: fiveXX.length, pass: fiveXX.length === 0 },
      { expectation: 'answers not as expected (200 / 401 / 400)', value: wrong.length, pass: wrong.length === 0 },
      {
        expectation: `unique deliveries recorded (of ${nUnique})`,
        value: recorded.length - strays.length,
        pass: missing.length === 0,
      },
      { expectation: 'bad deliveries recorded (should be none)', value: strays.length, pass: strays.length === 0 },
      { expectation: 'delivery ids recorded twice', value: keyDups.length, pass: keyDups.length === 0 },
      {
        expectation: `executions created (expected ${expectedExecutions})`,
        value: totals[0].n,
        pass: totals[0].n === expectedExecutions,
      },
      {
        expectation: 'deliveries whose executions differ from the matched jobs',
        value: mismatched.length,
        pass: mismatched.length === 0,
      },
      { expectation: 'same job twice for one delivery', value: dupRows.length, pass: dupRows.length === 0 },
      {
        expectation: `redeliveries counted as duplicates (sent ${nRedeliver})`,
        value: duplicateCounted,
        pass: duplicateCounted === nRedeliver,
      },
      { expectation: 'redeliveries answered other jobs than the first', value: inconsistent, pass: inconsistent === 0 },
      { expectation: 'replica exits', value: crashed, pass: crashed === 0 },
    ];
    return await report(name, rows, {
      seconds,
      fiveXX: fiveXX.slice(0, 100),
      wrong: wrong.slice(0, 100),
      missing: missing.slice(0, 100),
      mismatched: mismatched.slice(0, 20).map((u) => ({ id: u.id, expected: u.expected, got: byKey.get(u.id)?.jobs })),
    });
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas.forEach((r) => r.close());
    await pg.close();
  }
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
