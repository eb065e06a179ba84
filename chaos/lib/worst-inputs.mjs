// The worst inputs for DESIGN guarantee 7 ("no input can stall the server"): backtracking param patterns
// and watchFiles globs against long values and paths, paths over 4096 characters, the largest fan-out
// allowed and one far over it, list bombs (50,000 headers, 100,000 query values, a burst of schedules),
// and the largest pages. `probeLive` sends GET /api/health/live to every replica while they are in flight.
import { api } from './cluster.mjs';
import { request } from './extra.mjs';

/** Jobs the worst inputs need (a backtracking pattern, a fan-out param, a backtracking watchFiles glob). */
export async function createWorstJobs(baseUrl, token, targetUrl) {
  const jobs = [
    {
      name: 'worst-pattern',
      executor: { kind: 'http', method: 'POST', url: `${targetUrl}/worst` },
      params: [
        { name: 'v', type: 'string', pattern: '^(a+)+$' },
        { name: 'list', type: 'string[]', pattern: '^(a|aa)+$' },
      ],
    },
    {
      name: 'worst-fan',
      executor: { kind: 'http', method: 'POST', url: `${targetUrl}/fan` },
      params: [{ name: 'ids', type: 'string[]', fanOut: true }],
      enabled: true,
    },
    {
      name: 'worst-glob',
      executor: { kind: 'http', method: 'POST', url: `${targetUrl}/glob` },
      triggers: {
        github: [
          {
            repository: 'org/worst',
            // GitHub's filter syntax only (braces and extglobs are refused at save: see worstRequests)
            watchFiles: [
              '**/**/**/**/**/**/**/**/**/**/*a*a*a*a*a*a*a*a*a*a*b',
              'a+a+a+a+a+a+a+a+b/**',
              '**/*a?a?a?a?b',
            ],
          },
        ],
      },
    },
  ];
  for (const job of jobs) {
    const res = await api(baseUrl, token, 'POST', '/api/v1/jobs', job, 30_000);
    if (res.status !== 201 && res.status !== 409) {
      throw new Error(`worst job ${job.name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
  }
}

function push(paths) {
  return {
    ref: 'refs/heads/main',
    before: '1'.repeat(40),
    after: '2'.repeat(40),
    repository: { name: 'worst', full_name: 'org/worst', owner: { name: 'org', login: 'org' } },
    commits: [{ id: '2'.repeat(40), message: 'worst', added: paths, removed: [], modified: [] }],
    head_commit: { id: '2'.repeat(40), message: 'worst' },
  };
}

/** The worst requests: `{ name, method, path, body, ok(status) }` (ok: the answer expected, never 5xx). */
export function worstRequests() {
  const a = (n) => 'a'.repeat(n);
  const json = (v) => JSON.stringify(v);
  const deepPath = Array.from({ length: 2100 }, () => 'a').join('/') + '/c';
  const clientError = (s) => s >= 400 && s < 500;
  const reqs = [
    // backtracking regexes: the value checked against ^(a+)+$ (exponential on a backtracking engine)
    ...Array.from({ length: 4 }, (_, i) => ({
      name: 'pattern ^(a+)+$ vs a^n b (render)',
      method: 'POST',
      path: '/api/v1/jobs/worst-pattern/render',
      body: json({ params: { v: a(30 + i * 1000) + 'b', list: [a(40) + '!', a(3000) + '!'] } }),
      ok: clientError,
    })),
    {
      name: 'pattern ^(a+)+$ vs a^4000 b (run)',
      method: 'POST',
      path: '/api/v1/jobs/worst-pattern/runs',
      body: json({ params: { v: a(4000) + 'b' } }),
      ok: clientError,
    },
    // backtracking globs against long and deep paths
    {
      name: 'watchFiles glob vs deep paths (dry run)',
      glob: true,
      method: 'POST',
      path: '/api/v1/webhooks/github/dry-run',
      body: json({ event: 'push', payload: push([deepPath, a(5000), `${a(2000)}/${a(2000)}/x`]) }),
      ok: (s) => s < 500,
    },
    // patterns outside GitHub's filter syntax (nested braces, extglobs) are refused when saved, never compiled
    {
      name: 'watchFiles with nested braces and extglobs (refused at save)',
      method: 'POST',
      path: '/api/v1/jobs',
      body: json({
        name: 'worst-brace',
        executor: { kind: 'http', method: 'POST', url: 'http://127.0.0.1:9/brace' },
        triggers: { github: [{ repository: 'org/worst', watchFiles: ['{a,{a,{a,{a,{a,b}}}}}/**/x', '@(a|a)*'] }] },
      }),
      ok: (s) => s === 400,
    },
    // long paths
    { name: 'path of 5,000 characters', method: 'GET', path: `/api/v1/jobs/${a(5000)}`, ok: (s) => s < 500 },
    { name: 'path of 8,000 characters', method: 'GET', path: `/api/${'a/'.repeat(4000)}`, ok: (s) => s < 500 },
    // huge fan-outs
    {
      name: 'fan-out of 150,000 ids (over FANOUT_MAX)',
      method: 'POST',
      path: '/api/v1/jobs/worst-fan/runs',
      body: json({ params: { ids: Array.from({ length: 150_000 }, (_, i) => `d${i}`) } }),
      ok: (s) => s === 400 || s === 413,
    },
    {
      name: 'fan-out of 10,000 ids (FANOUT_MAX)',
      method: 'POST',
      path: '/api/v1/jobs/worst-fan/runs',
      body: json({ params: { ids: Array.from({ length: 10_000 }, (_, i) => `d${i}`) } }),
      ok: (s) => s === 202,
    },
    // list bombs
    {
      name: 'job with 50,000 headers',
      method: 'POST',
      path: '/api/v1/jobs',
      body: json({
        name: 'worst-headers',
        executor: {
          kind: 'http',
          url: 'http://127.0.0.1:9/',
          headers: Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`x-h${i}`, 'v'])),
        },
      }),
      ok: clientError,
    },
    {
      name: 'job with 100,000 query values',
      method: 'POST',
      path: '/api/v1/jobs',
      body: json({
        name: 'worst-query',
        executor: {
          kind: 'http',
          url: 'http://127.0.0.1:9/',
          query: { v: Array.from({ length: 100_000 }, (_, i) => String(i)) },
        },
      }),
      ok: clientError,
    },
    ...Array.from({ length: 150 }, (_, i) => ({
      name: 'burst of every-second schedules on one job',
      method: 'POST',
      path: '/api/v1/schedules',
      body: json({ job: 'worst-fan', intervalSeconds: 1, name: `s${i}`, enabled: false }),
      ok: (s) => s === 201 || s === 400,
    })),
    ...['jobs', 'schedules', 'users', 'tokens', 'webhooks/sources', 'notifications/channels', 'executions'].map(
      (list) => ({
        name: 'largest pages of every list',
        method: 'GET',
        path: `/api/v1/${list}?limit=${list === 'executions' ? 200 : 500}`,
        ok: (s) => s === 200,
      }),
    ),
  ];
  return reqs;
}

/** Probes GET /api/health/live on every url every `everyMs` until stopped: latencies and failures. */
export function probeLive(urls, everyMs = 20) {
  let running = true;
  const ms = [];
  const failures = [];
  const loops = urls.map(async (url) => {
    while (running) {
      const res = await request(`${url}/api/health/live`, { timeoutMs: 5000 });
      if (res.status === 200) ms.push(res.ms);
      else failures.push({ url, status: res.status, error: res.error });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { ms, failures };
    },
  };
}
