// Scenario 5, hostile input: requests generated from the OpenAPI document (GET /api/docs-json) for every
// operation — wrong types, missing fields, huge strings, unicode/NUL/emoji, negative and enormous numbers,
// bad ids and cursors, bad cron/time zones/templates (sandbox escapes, URL host changes), no or bad
// credentials — from a seeded PRNG (CHAOS_SEED), spread over 3 replicas. Expect: zero 5xx, no replica
// exits, every 4xx body carries a non-empty message, no rendered URL leaves the job's origin, no secret
// in any answer.
//
//   node chaos/scenarios/hostile-input.mjs          (10,200 generated; CHAOS_SHORT=1: 1,000; CHAOS_REQUESTS=n)
import { createHmac } from 'node:crypto';
import {
  ADMIN_PASSWORD,
  SHORT,
  adminToken,
  api,
  report,
  startPostgres,
  startReplicas,
  startTarget,
} from '../lib/cluster.mjs';
import { isMain, percentile, pool, prng, request } from '../lib/extra.mjs';
import { createWorstJobs, probeLive, worstRequests } from '../lib/worst-inputs.mjs';

export const name = 'hostile-input';
export const aliases = ['hostile', '5'];
const WEBHOOK_SECRET = 'chaos-hostile-webhook-secret';
const APP_SECRET = 'chaos-app-secret-0123456789abcdef0123456789';

// --- hostile values -----------------------------------------------------------------------------

const MB = 'A'.repeat(1024 * 1024);
const BIG = 'B'.repeat(200 * 1024);
const STRINGS = [
  '',
  ' ',
  'nul\u0000byte',
  '\u0000',
  '😀🔥👩‍👩‍👧‍👦'.repeat(50),
  '\ud800 lone surrogate',
  'Ω≈ç√∫˜µ≤≥÷ 日本語 한국어 العربية',
  '\u202e right-to-left override',
  '../../../../etc/passwd',
  '%00%2e%2e%2f',
  "' OR 1=1 --",
  '"; DROP TABLE jobs; --',
  '<script>alert(1)</script>',
  '${process.env.APP_SECRET}',
  '{{ constructor.constructor("return process")() }}',
  "{{ constructor.constructor('return process.env')() }}",
  '{{ params.constructor.constructor }}',
  '{% for i in (1..100000000) %}x{% endfor %}',
  '{{ "x" | append: "y" | unknown_filter }}',
  '{{ ',
  '{% if %}',
  '{% include "/etc/passwd" %}',
  '{{ params | json }}',
  BIG,
  MB,
  'x'.repeat(10_000),
  '-1',
  '1e309',
  'NaN',
  'true',
  'null',
  '2026-02-30T25:61:61Z',
  '0000-00-00',
];
const NUMBERS = [-1, 0, -0, 1.5, -1e308, 1e308, 2 ** 53 + 1, -(2 ** 63), 9.99e99, 2147483648, -2147483649];
const OTHERS = [null, true, false, [], {}, [null], { a: { b: { c: { d: {} } } } }, () => deep(200), () => deep(3000)];
const CRONS = [
  '* * * * * * *',
  '61 * * * *',
  '*/0 * * * *',
  '0 0 30 2 *',
  '0 0 31 4 *',
  '0 0 29 2 1',
  '@every 5m',
  '@reboot',
  'L W # ?',
  '0 0 L * *',
  '* * * * 8',
  '-1 * * * *',
  '1-0 * * * *',
  '9'.repeat(400) + ' * * * *',
  '* '.repeat(100),
  '0 0 * * * *',
  '0 10 * * *',
  '\u0000 * * * *',
];
const ZONES = [
  'Mars/Olympus_Mons',
  'UTC+25',
  'Etc/GMT+14',
  'Etc/GMT-15',
  '+99:00',
  '../../etc/localtime',
  'asia/tokyo',
  'Asia/Tokyo',
  'America/New_York',
  'EST5EDT',
  'Z',
  '',
  'x'.repeat(5000),
];
const TEMPLATES = [
  '{{ constructor.constructor("return process")() }}',
  "{{ 'x' | constructor }}",
  '{{ params.p.constructor.name }}',
  '{{ this }}',
  '{{ process.env.APP_SECRET }}',
  '{% assign x = "a" %}{% for i in (1..9999999) %}{{ x }}{% endfor %}',
  '{% capture a %}{% capture b %}{% endcapture %}',
  '{{ params.p | date: "%Y" | in_zone: "Mars/Olympus" }}',
  "{{ 'today' | in_zone: 'Not/AZone' }}",
  '{{ "a" | append: "b" | prepend: "@evil.example" }}',
  '@evil.example/',
  '//evil.example/x',
  'http://evil.example/',
  '\\\\evil.example',
  '%2F%2Fevil.example',
  '..%2F..%2Fadmin',
  '#fragment',
  '?injected=1',
  ':99999',
  'evil.example:80@',
];
const BAD_IDS = [
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '------------------------------------',
  'x'.repeat(5000),
  '%00',
  '..%2F..%2Fhealth',
  '%F0%9F%98%80',
  '%E2%80%AE',
  '1%20OR%201%3D1',
  '-1',
  '99999999999999999999',
  '%C0%AF',
  '%',
];
const BAD_CURSORS = [
  'garbage',
  '',
  '=',
  b64(['2020-01-01T00:00:00Z']),
  b64(['1', '00000000-0000-0000-0000-000000000000']),
  b64(['0', '00000000-0000-0000-0000-000000000000']),
  b64(['99999', '00000000-0000-0000-0000-000000000000']),
  b64(['2020-02-30T00:00:00Z', '00000000-0000-0000-0000-000000000000']),
  b64(['+275760-09-13T00:00:00.000Z', '00000000-0000-0000-0000-000000000000']),
  b64(['Tue, 01 Jan 2030 00:00:00 GMT', '00000000-0000-0000-0000-000000000000']),
  b64(['2020-01-01T00:00:00Z', '------------------------------------']),
  b64(['2020-01-01T00:00:00Z', 'not-a-uuid']),
  b64([{}, []]),
  b64({ a: 1 }),
  Buffer.from('\u0000\u0001').toString('base64url'),
  'x'.repeat(10_000),
  '00000000-0000-0000-0000-000000000000',
];

/** encodeURIComponent that sends a lone surrogate as the invalid UTF-8 bytes %ED%A0%80. */
function enc(s) {
  try {
    return encodeURIComponent(s);
  } catch {
    return s
      .replace(/[\ud800-\udfff]/g, '\u0001')
      .split('\u0001')
      .map(encodeURIComponent)
      .join('%ED%A0%80');
  }
}

function b64(v) {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

/** A new copy of a hostile value (the nested ones are built on use: mutations never share them). */
function fresh(v) {
  return typeof v === 'function' ? v() : v && typeof v === 'object' ? JSON.parse(JSON.stringify(v)) : v;
}

function deep(n) {
  let v = {};
  for (let i = 0; i < n; i++) v = { a: v };
  return v;
}

// --- the run ------------------------------------------------------------------------------------

export async function run(opts = {}) {
  const total = Number(process.env.CHAOS_REQUESTS ?? opts.requests ?? (SHORT ? 1000 : 10_200));
  const seed = Number(process.env.CHAOS_SEED ?? opts.seed ?? 20260301);
  const rng = prng(seed);
  const pg = await startPostgres();
  const target = await startTarget({ latencyMs: [1, 5] });
  const replicas = await startReplicas(3, pg.url, {
    WEBHOOK_SECRET,
    WORKER_CONCURRENCY: '4',
    LOGIN_MAX_PER_IP: '100000',
    LOGIN_MAX_PER_USER: '100000',
  });
  try {
    const token = await adminToken(replicas[0].url);
    const seeds = await createSeeds(replicas[0].url, token, target.url);
    const doc = await (
      await fetch(`${replicas[0].url}/api/docs-json`, { headers: { authorization: `Bearer ${token}` } })
    ).json();
    const ops = operations(doc);
    const perOp = Math.ceil(total / ops.length);
    const plan = [];
    for (const op of ops) for (let i = 0; i < perOp; i++) plan.push(op);
    // Interleave the operations (the same order for the same seed).
    for (let i = plan.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [plan[i], plan[j]] = [plan[j], plan[i]];
    }
    const reqs = plan.map((op) => generate(op, doc, seeds, rng, token));

    const byEndpoint = new Map();
    const fiveXX = [];
    const noMessage = [];
    const hostEscapes = [];
    const leaks = [];
    const netErrors = [];
    let refused = 0;
    const started = performance.now();
    await pool(reqs.length, 24, async (i) => {
      const r = reqs[i];
      const replica = replicas[i % replicas.length];
      const res = await request(replica.url + r.path, {
        method: r.method,
        headers: r.headers,
        body: r.body,
        timeoutMs: 60_000,
        keepAlive: false,
      });
      const key = `${r.method} ${r.op}`;
      const counts = byEndpoint.get(key) ?? {};
      const status = res.status === -1 ? 'refused by client' : res.status === 0 ? 'network error' : res.status;
      counts[status] = (counts[status] ?? 0) + 1;
      byEndpoint.set(key, counts);
      if (res.status === -1) {
        refused++;
        return;
      }
      const show = () => ({
        replica: replica.name,
        ...describe(r),
        status: res.status,
        answer: res.text?.slice(0, 300),
      });
      if (res.status === 0) netErrors.push({ ...show(), error: res.error, code: res.code });
      else if (res.status >= 500) fiveXX.push(show());
      else if (res.status >= 400 && !hasMessage(res)) noMessage.push(show());
      if (res.text && leaked(res.text)) leaks.push(show());
      if (r.op === '/api/v1/jobs/{idOrName}/render' && res.status === 200) {
        const url = res.json?.request?.url;
        if (!url || new URL(url).origin !== target.url) hostEscapes.push({ ...show(), url });
      }
    });
    const seconds = (performance.now() - started) / 1000;

    // Stall phase (guarantee 7): the worst inputs, 8 at a time over the replicas, while every replica's
    // /api/health/live is probed every 20 ms; p100 of those probes must stay under 100 ms. The backtracking
    // watchFiles globs go last, on their own (their engine is the webhook matcher's), so that a stall
    // they cause does not hide the other numbers.
    await createWorstJobs(replicas[0].url, token, target.url);
    const stall = async (worst) => {
      const prober = probeLive(
        replicas.map((x) => x.url),
        20,
      );
      const answers = [];
      const t0 = performance.now();
      await pool(worst.length, 8, async (i) => {
        const w = worst[i];
        const replica = replicas[i % replicas.length];
        const res = await request(replica.url + w.path, {
          method: w.method,
          headers: { authorization: `Bearer ${token}`, ...(w.body ? { 'content-type': 'application/json' } : {}) },
          body: w.body,
          timeoutMs: 60_000,
          keepAlive: false,
        });
        answers.push({ name: w.name, status: res.status, ms: Math.round(res.ms), ok: w.ok(res.status) });
      });
      const seconds = (performance.now() - t0) / 1000;
      const probes = await prober.stop();
      const max = probes.ms.length ? Math.round(Math.max(...probes.ms) * 10) / 10 : null;
      return { answers, seconds, probes, max };
    };
    // The machine's noise floor: the same probes for 5 s with nothing else in flight.
    const idle = probeLive(
      replicas.map((x) => x.url),
      20,
    );
    await new Promise((r) => setTimeout(r, 5000));
    const baseline = await idle.stop();
    const all = worstRequests();
    const phases = [await stall(all.filter((w) => !w.glob)), await stall(all.filter((w) => w.glob))];
    const worstAnswers = phases.flatMap((p) => p.answers);
    const worstByName = {};
    for (const a of worstAnswers) {
      const e = (worstByName[a.name] ??= { statuses: {}, maxMs: 0, unexpected: 0 });
      e.statuses[a.status] = (e.statuses[a.status] ?? 0) + 1;
      e.maxMs = Math.max(e.maxMs, a.ms);
      if (!a.ok) e.unexpected++;
    }
    console.log('\nworst inputs (stall phase):');
    for (const [k, e] of Object.entries(worstByName))
      console.log(
        `  ${k.padEnd(52)} ${JSON.stringify(e.statuses)} max ${e.maxMs} ms${e.unexpected ? ' UNEXPECTED' : ''}`,
      );
    const crashed = replicas.filter((x) => !x.alive() || x.exits.length > 0).map((x) => x.name);
    const sent = reqs.length - refused;
    const statusTotals = {};
    for (const c of byEndpoint.values())
      for (const [s, n] of Object.entries(c)) statusTotals[s] = (statusTotals[s] ?? 0) + n;

    console.log('\nrequests by endpoint and status:');
    for (const [k, c] of [...byEndpoint].sort())
      console.log(
        `  ${k.padEnd(52)} ${Object.entries(c)
          .map(([s, n]) => `${s}:${n}`)
          .join(' ')}`,
      );
    for (const f of fiveXX.slice(0, 50)) console.log('5xx:', JSON.stringify(f));

    const rows = [
      {
        expectation: `requests sent (seed ${seed}), over ${ops.length} operations`,
        value: sent,
        pass: sent >= total * 0.95,
      },
      {
        expectation: 'requests per second (3 replicas, shared 2-core machine)',
        value: Math.round(sent / seconds),
        pass: null,
      },
      { expectation: 'status counts', value: statusTotals, pass: null },
      { expectation: '5xx answers', value: fiveXX.length, pass: fiveXX.length === 0 },
      {
        expectation: 'network errors (connection reset, timeout)',
        value: netErrors.length,
        pass: netErrors.length === 0,
      },
      { expectation: 'replica exits (crashes)', value: crashed.length, pass: crashed.length === 0 },
      { expectation: '4xx without a message', value: noMessage.length, pass: noMessage.length === 0 },
      { expectation: 'render: URL left the job origin', value: hostEscapes.length, pass: hostEscapes.length === 0 },
      { expectation: 'answers containing a secret', value: leaks.length, pass: leaks.length === 0 },
      { expectation: 'not sendable (client refused: NUL in header etc.)', value: refused, pass: null },
      {
        expectation: `stall phase: ${worstAnswers.length} worst inputs answered as expected (never 5xx)`,
        value: worstAnswers.filter((a) => a.ok).length,
        pass: worstAnswers.every((a) => a.ok),
      },
      {
        expectation: 'stall phase, baseline (nothing in flight, 5 s): /api/health/live p50 / p99 / p100 (ms)',
        value: `${percentile(baseline.ms, 0.5)} / ${percentile(baseline.ms, 0.99)} / ${percentile(baseline.ms, 1)}`,
        pass: null,
      },
      ...phases.flatMap((p, i) => {
        const what = i === 0 ? 'worst inputs but globs' : 'backtracking watchFiles globs';
        return [
          {
            expectation: `stall phase, ${what}: /api/health/live probes answered (every replica, every 20 ms)`,
            value: `${p.probes.ms.length} ok, ${p.probes.failures.length} failed in ${Math.round(p.seconds)} s`,
            pass: p.probes.failures.length === 0 && p.probes.ms.length > 0,
          },
          {
            expectation: `stall phase, ${what}: /api/health/live p50 / p99 (ms)`,
            value: `${percentile(p.probes.ms, 0.5)} / ${percentile(p.probes.ms, 0.99)}`,
            pass: null,
          },
          {
            expectation: `stall phase, ${what}: /api/health/live p100 < 100 ms`,
            value: p.max,
            pass: p.max !== null && p.max < 100,
          },
        ];
      }),
    ];
    return await report(name, rows, {
      seed,
      seconds,
      byEndpoint: Object.fromEntries(byEndpoint),
      fiveXX,
      netErrors: netErrors.slice(0, 100),
      noMessage: noMessage.slice(0, 100),
      hostEscapes,
      leaks,
      stall: {
        phases: phases.map((p) => ({ seconds: p.seconds, liveMax: p.max, failures: p.probes.failures.slice(0, 20) })),
        worst: worstByName,
      },
    });
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    replicas.forEach((r) => r.close());
    await target.close();
    await pg.close();
  }
}

function hasMessage(res) {
  const m = res.json?.message;
  if (typeof m === 'string') return m.trim().length > 0;
  if (Array.isArray(m)) return m.length > 0 && m.every((x) => typeof x === 'string' && x.trim().length > 0);
  return false;
}

function leaked(text) {
  return [APP_SECRET, WEBHOOK_SECRET, ADMIN_PASSWORD, 'seed-secret-header-value'].some((s) => text.includes(s));
}

function describe(r) {
  const cut = (s) => (typeof s === 'string' && s.length > 300 ? `${s.slice(0, 300)}…(${s.length} chars)` : s);
  return { method: r.method, path: cut(r.path), kind: r.kind, body: cut(r.body?.toString()) };
}

// --- seeds: real objects for the valid parts of requests -----------------------------------------

async function createSeeds(base, token, targetUrl) {
  const call = async (method, p, body, ok = [200, 201, 202]) => {
    const res = await api(base, token, method, p, body);
    if (!ok.includes(res.status)) throw new Error(`seed ${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const job = await call('POST', '/api/v1/jobs', {
    name: 'seed-http',
    title: 'Seed job',
    executor: {
      kind: 'http',
      method: 'POST',
      url: `${targetUrl}/x/{{ params.p }}`,
      query: { q: '{{ params.q }}', d: '{{ params.date }}' },
      headers: { authorization: { secret: true, value: 'seed-secret-header-value' } },
      body: { p: '{{ params.p }}' },
    },
    params: [
      { name: 'p', type: 'string', default: 'a' },
      { name: 'q', type: 'string', default: 'b' },
      { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
      { name: 'n', type: 'number', default: 1 },
    ],
  });
  await call('POST', '/api/v1/jobs', {
    name: 'seed-chain',
    executor: { kind: 'http', url: `${targetUrl}/chain` },
    triggers: { github: [{ repository: 'org/repo', branches: ['main'], watchFiles: ['src/**'] }] },
  });
  const schedule = await call('POST', '/api/v1/schedules', { job: 'seed-http', name: 'seed', cron: '0 10 * * *' });
  const run = await call('POST', '/api/v1/jobs/seed-http/runs', { params: { p: 'x' } });
  const body = JSON.stringify({
    ref: 'refs/heads/main',
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    repository: { full_name: 'org/repo', name: 'repo', owner: { login: 'org' } },
    commits: [{ id: 'b'.repeat(40), message: 'x', added: ['src/a.ts'], removed: [], modified: [] }],
    head_commit: { id: 'b'.repeat(40), message: 'x', added: ['src/a.ts'], removed: [], modified: [] },
  });
  const delivery = await request(`${base}/api/v1/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': '11111111-2222-4333-8444-555555555555',
      'x-hub-signature-256': sign(body),
    },
    body,
  });
  if (delivery.status !== 200) throw new Error(`seed delivery: ${delivery.status} ${delivery.text}`);
  const source = await call('POST', '/api/v1/webhooks/sources', {
    provider: 'github',
    repository: 'org/seeded',
    secret: 'seed-source-secret',
  });
  const user = await call('POST', '/api/v1/users', {
    username: 'seed-user',
    password: 'seed-user-password-1',
    role: 'viewer',
  });
  const tok = await call('POST', '/api/v1/tokens', { name: 'seed-token', scopes: ['read'] });
  return {
    job: job.id,
    jobName: 'seed-http',
    schedule: schedule.id,
    execution: run.execution?.id ?? run.id,
    delivery: delivery.json.delivery_id,
    source: source.id,
    user: user.id,
    token: tok.id,
    pushBody: body,
  };
}

function sign(body) {
  return 'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex');
}

// --- generation ---------------------------------------------------------------------------------

/** Every operation of the document except the SSE stream (held open, not a request/response). */
function operations(doc) {
  const out = [];
  for (const [p, methods] of Object.entries(doc.paths))
    for (const [method, o] of Object.entries(methods)) {
      if (p === '/api/v1/events') continue;
      const body = o.requestBody?.content?.['application/json']?.schema;
      out.push({
        path: p,
        method: method.toUpperCase(),
        params: o.parameters ?? [],
        body,
        yaml: !!o.requestBody && !body,
        receiver: p === '/webhook' || /^\/api\/v1\/webhooks\/(github|gitlab|gitea|receive)$/.test(p),
      });
    }
  return out;
}

function resolve(doc, schema) {
  if (schema?.$ref) return doc.components.schemas[schema.$ref.split('/').pop()];
  return schema ?? {};
}

/** A valid value of `schema` (best effort), with the seeds' real ids and names. */
function valid(doc, schema, rng, seeds, field = '') {
  const s = resolve(doc, schema);
  if (s.enum) return s.enum[0];
  if (s.oneOf) return valid(doc, s.oneOf[0], rng, seeds, field);
  if (s.example !== undefined && s.type !== 'object') return s.example;
  if (s.type === 'object' || s.properties) {
    const o = {};
    for (const [k, v] of Object.entries(s.properties ?? {})) {
      if ((s.required ?? []).includes(k) || rng.chance(0.5)) o[k] = valid(doc, v, rng, seeds, k);
    }
    return o;
  }
  if (s.type === 'array') return [valid(doc, s.items ?? { type: 'string' }, rng, seeds, field)];
  if (s.type === 'number' || s.type === 'integer') return s.minimum ?? 1;
  if (s.type === 'boolean') return true;
  if (s.format === 'date-time') return new Date(Date.UTC(2026, 0, 1)).toISOString();
  if (field === 'job') return seeds.jobName;
  return `v${rng.int(0, 1e6)}`;
}

/** Hand-written valid bodies where a generic one would be refused for reasons of meaning. */
function validBody(op, doc, rng, seeds) {
  const uniq = `${rng.int(0, 1e9)}`;
  switch (`${op.method} ${op.path}`) {
    case 'POST /api/v1/jobs':
      return {
        name: `h-${uniq}`,
        executor: {
          kind: 'http',
          method: 'GET',
          url: 'http://127.0.0.1:9/x/{{ params.p }}',
          query: { a: '{{ params.p }}' },
        },
        params: [{ name: 'p', type: 'string', default: 'a' }],
      };
    case 'PATCH /api/v1/jobs/{idOrName}':
      return { title: `t${uniq}`, description: 'd' };
    case 'POST /api/v1/jobs/{idOrName}/render':
      return { params: { p: 'x', q: 'y' } };
    case 'POST /api/v1/jobs/{idOrName}/runs':
      return { params: { p: 'x' } };
    case 'POST /api/v1/schedules':
      return { job: seeds.jobName, name: `s-${uniq}`, cron: '0 10 * * *', timezone: 'Asia/Tokyo' };
    case 'PATCH /api/v1/schedules/{id}':
      return { cron: '0 11 * * *', timezone: 'Asia/Tokyo' };
    case 'POST /api/v1/users':
      return { username: `u-${uniq}`, password: 'long-enough-password', role: 'viewer' };
    case 'PATCH /api/v1/users/{id}':
      return { displayName: `n${uniq}` };
    case 'POST /api/v1/tokens':
      return { name: `t-${uniq}`, scopes: ['read'] };
    case 'POST /api/v1/auth/login':
      return { username: 'nobody', password: 'wrong-password' };
    case 'POST /api/v1/auth/password':
      return { currentPassword: 'wrong-password-1', newPassword: 'another-long-password' };
    case 'POST /api/v1/webhooks/sources':
      return { provider: 'github', repository: `org/r${uniq}`, secret: 's' };
    case 'POST /api/v1/webhooks/github/dry-run':
      return { event: 'push', payload: JSON.parse(seeds.pushBody) };
    default:
      return op.body ? valid(doc, op.body, rng, seeds) : undefined;
  }
}

/** Hostile replacement for a field, by what the field is about. */
function hostileFor(field, rng) {
  const f = field.toLowerCase();
  if (rng.chance(0.5)) {
    if (f === 'cron') return rng.pick(CRONS);
    if (f === 'timezone' || f === 'zone') return rng.pick(ZONES);
    if (f === 'url')
      return rng.pick([
        'http://127.0.0.1:9/{{ params.p }}',
        'ftp://x/',
        'file:///etc/passwd',
        'http://{{ params.p }}/',
        'http://a@{{ params.p }}',
        'javascript:alert(1)',
        ...TEMPLATES,
      ]);
    if (['query', 'headers', 'body', 'params', 'payload'].includes(f))
      return rng.chance(0.5)
        ? { p: rng.pick(TEMPLATES), [rng.pick(STRINGS).slice(0, 50)]: rng.pick(TEMPLATES) }
        : rng.pick(TEMPLATES);
    if (f === 'default' || f === 'p' || f === 'q' || f === 'date') return rng.pick(TEMPLATES);
  }
  const r = rng.next();
  if (r < 0.5) return rng.pick(STRINGS);
  if (r < 0.75) return rng.pick(NUMBERS);
  return fresh(rng.pick(OTHERS));
}

/** Set a random (possibly nested) field of `obj` to a hostile value; returns the field name. */
function mutateField(obj, rng) {
  let cur = obj;
  for (let depth = 0; depth < 3; depth++) {
    const keys = Object.keys(cur);
    if (!keys.length) break;
    const k = rng.pick(keys);
    const v = cur[k];
    if (v && typeof v === 'object' && !Array.isArray(v) && rng.chance(0.5)) {
      cur = v;
      continue;
    }
    if (Array.isArray(v) && v.length && v[0] && typeof v[0] === 'object' && rng.chance(0.5)) {
      cur = v[0];
      continue;
    }
    cur[k] = hostileFor(k, rng);
    return k;
  }
  const k = rng.chance(0.7)
    ? rng.pick(['__proto__', 'constructor', 'unknownField', 'p', 'params'])
    : rng.pick(STRINGS).slice(0, 40);
  cur[k] = hostileFor(k, rng);
  return k;
}

function generate(op, doc, seeds, rng, token) {
  const ids = {
    '/api/v1/users/{id}': seeds.user,
    '/api/v1/tokens/{id}': seeds.token,
    '/api/v1/executions/{id}': seeds.execution,
    '/api/v1/schedules/{id}': seeds.schedule,
    '/api/v1/webhooks/deliveries/{id}': seeds.delivery,
    '/api/v1/webhooks/sources/{id}': seeds.source,
  };
  const headers = { authorization: `Bearer ${token}` };
  const kinds = [
    'field',
    'field',
    'field',
    'missing',
    'whole',
    'query',
    'query',
    'id',
    'id',
    'auth',
    'content-type',
    'valid',
  ];
  let kind = rng.pick(kinds);
  // Real ids for the path (the protected admin user and token are never the target of a write).
  let p = op.path.replace(/\{(\w+)\}/g, (_, name) => {
    const prefix = op.path.slice(0, op.path.indexOf('{' + name + '}')) + '{' + name + '}';
    const real =
      name === 'idOrName' ? (rng.chance(0.5) ? seeds.jobName : seeds.job) : ids[prefix.replace(/\/\{id\}.*/, '/{id}')];
    if (kind === 'id') return rng.chance(0.15) ? rng.uuid() : rng.pick(BAD_IDS);
    // DELETE of a seed would take it away from every later request: unknown ids instead.
    if (op.method === 'DELETE') return name === 'idOrName' ? `no-such-job-${rng.int(0, 1e6)}` : rng.uuid();
    return real ?? rng.uuid();
  });
  if (op.receiver) return receiverRequest(op, p, seeds, rng);

  // Query string: valid-looking values, or hostile ones.
  const query = [];
  for (const prm of op.params.filter((x) => x.in === 'query')) {
    if (kind === 'query' && rng.chance(0.6)) {
      const f = prm.name;
      const v =
        f === 'cursor'
          ? rng.pick(BAD_CURSORS)
          : f === 'cron'
            ? rng.pick(CRONS)
            : f === 'timezone'
              ? rng.pick(ZONES)
              : String(rng.pick([...STRINGS.filter((s) => s.length < 20_000), ...NUMBERS.map(String), '[]', '{}']));
      query.push([f, v]);
      if (rng.chance(0.2)) query.push([f, v]); // repeated key: an array where a string is expected
    } else if (rng.chance(0.4)) {
      const s = prm.schema ?? {};
      query.push([
        prm.name,
        String(
          s.enum ? rng.pick(s.enum) : (s.example ?? (s.type === 'number' ? 5 : s.type === 'boolean' ? 'true' : 'x')),
        ),
      ]);
    }
  }
  if (op.path === '/api/v1/schedules/preview' && !query.some(([k]) => k === 'cron' || k === 'interval'))
    query.push(
      rng.chance(0.5)
        ? ['cron', rng.pick(CRONS)]
        : ['interval', rng.pick(['5m', '0', '-5s', '99999999999h', '1e3', 'abc', '5x'])],
    );
  if (kind === 'query' && rng.chance(0.3))
    query.push([rng.pick(['unknown', '__proto__', 'constructor[prototype]', 'a[b][c]']), 'x']);
  const qs = query.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
  if (qs) p += `?${qs}`;

  let body;
  if (op.yaml) {
    headers['content-type'] = rng.pick(['application/yaml', 'text/plain', 'application/json']);
    body = rng.pick([
      'jobs: [',
      'jobs:\n  - name: "{{ constructor }}"\n    executor: { kind: http, url: "http://127.0.0.1:9/{{ params.p }}" }\n',
      '&a [*a, *a, *a, *a]',
      'a: &a ["x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c]\n',
      '!!js/function "function(){ return process }"',
      'jobs: 5',
      'jobs:\n  - 1\n  - null\n',
      'schedules:\n  - job: nope\n    cron: "61 * * * *"\n',
      '\u0000',
      MB,
      '',
      'jobs: []\nunknownKey: 1\n',
    ]);
    // Never a real prune of the seeds: a hostile file always goes through as a dry run or without prune.
    p = p.replace(/([?&])prune=[^&]*/g, '$1prune=false');
  } else if (op.body || op.method === 'POST' || op.method === 'PATCH') {
    let b = validBody(op, doc, rng, seeds) ?? {};
    if (kind === 'field' && b && typeof b === 'object') mutateField(b, rng);
    if (kind === 'field' && rng.chance(0.3) && b && typeof b === 'object') mutateField(b, rng);
    if (kind === 'missing' && b && typeof b === 'object') {
      const keys = Object.keys(b);
      if (keys.length) delete b[rng.pick(keys)];
      else b = fresh(rng.pick(OTHERS));
    }
    if (kind === 'whole') b = fresh(rng.pick([...OTHERS, ...NUMBERS, rng.pick(STRINGS)]));
    headers['content-type'] = 'application/json';
    body = JSON.stringify(b);
    if (kind === 'whole' && rng.chance(0.3))
      body = rng.pick([
        '{',
        '{"a":',
        'nul\u0000',
        '[1,2,',
        '{"__proto__":{"admin":true}}',
        '\ufeff{}',
        '{}'.repeat(1000),
        MB,
      ]);
    if (kind === 'content-type')
      headers['content-type'] = rng.pick([
        'text/plain',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ]);
  }
  if (kind === 'auth') {
    const a = rng.pick([
      null,
      'Bearer ',
      'Bearer amk_' + 'x'.repeat(43),
      'Basic YWRtaW46YWRtaW4=',
      'Bearer ' + token + 'x',
      'bearer\u0000x',
      'Bearer ' + 'a'.repeat(8000),
    ]);
    if (a === null) delete headers.authorization;
    else headers.authorization = a;
  }
  if (op.path.endsWith('/runs') && rng.chance(0.3)) headers['x-requested-by'] = rng.pick(STRINGS).slice(0, 2000);
  // Keep the protected objects: never revoke the harness token or disable/delete the admin.
  return { op: op.path, method: op.method, path: p, headers, body, kind };
}

/** Webhook receivers: signed hostile payloads (the parser and matcher see them), bad signatures, bad headers. */
function receiverRequest(op, p, seeds, rng) {
  const kind = rng.pick([
    'signed-hostile',
    'signed-hostile',
    'bad-signature',
    'no-signature',
    'headers',
    'signed-valid',
  ]);
  let payload = JSON.parse(seeds.pushBody);
  if (kind === 'signed-hostile') {
    const r = rng.next();
    if (r < 0.6) mutateField(payload, rng);
    else if (r < 0.8) payload = fresh(rng.pick([...OTHERS, ...NUMBERS, ...STRINGS.slice(0, 12)]));
    else
      payload = {
        ...payload,
        commits: Array.from({ length: rng.int(0, 3) }, () => ({
          added: rng.pick([5, null, ['a'], [{}], 'x', [MB.slice(0, 5000)]]),
        })),
      };
  }
  let body = JSON.stringify(payload);
  if (kind === 'signed-hostile' && rng.chance(0.15))
    body = rng.pick(['{', '', 'nul\u0000', '[]', 'null', '{"ref":"refs/heads/\\u0000"}']);
  const headers = {
    'content-type': rng.chance(0.9)
      ? 'application/json'
      : rng.pick(['text/plain', 'application/x-www-form-urlencoded']),
    'x-github-event':
      kind === 'headers'
        ? rng.pick(['', 'PUSH', 'unknown', 'ping', 'x'.repeat(5000), 'push, ping'])
        : rng.chance(0.9)
          ? 'push'
          : 'ping',
    'x-github-delivery': kind === 'headers' ? rng.pick(['', 'x'.repeat(5000), '😀', 'not-a-uuid', '0']) : rng.uuid(),
  };
  if (kind === 'bad-signature')
    headers['x-hub-signature-256'] = rng.pick([
      'sha256=' + '0'.repeat(64),
      'sha1=abc',
      'sha256=',
      'garbage',
      sign(body) + 'x',
    ]);
  else if (kind !== 'no-signature') headers['x-hub-signature-256'] = sign(body);
  if (rng.chance(0.05)) headers['x-gitlab-event'] = 'Push Hook';
  return { op: op.path, method: op.method, path: p, headers, body, kind: `receiver:${kind}` };
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
