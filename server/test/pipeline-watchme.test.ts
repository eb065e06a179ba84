import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget, type TargetRequest } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';
import { applyYaml } from './helpers/config-apply.js';

// Pipelines (issue #21): fan-in `needs`, pipeline runs and their graph, the WatchMe example end to end.
const WATCHME = readFileSync(new URL('../../examples/watchme.jobs.yaml', import.meta.url), 'utf8');
const env = { LOG_LEVEL: 'error', WORKER_POLL_MS: '100', SCHEDULER_ENABLED: 'false', FAN_IN_SWEEP_MS: '100' };

const json = (res: import('node:http').ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const bodyOf = (r: TargetRequest): Record<string, string> =>
  r.body ? (JSON.parse(r.body) as Record<string, string>) : Object.fromEntries(new URL(r.url, 'http://x').searchParams);

// Each test starts its own app: the shared helpers, made for the app at hand.
const createJob = (app: TestApp, def: Record<string, unknown>) =>
  runHelpers(() => app).createJob(def) as Promise<{ id: string; name: string }>;
const run = (app: TestApp, job: string, params: Record<string, unknown>) => runHelpers(() => app).run(job, { params });

/** A job's executions, oldest first (only those with params.k = `k` when given). */
const executionsOf = (db: string, job: string, k?: string) =>
  query<{ id: string; status: string; params: Record<string, string>; error: string | null; started_at: Date }>(
    db,
    `SELECT id, status, params, error, started_at FROM executions
      WHERE job_name = $1 AND ($2::text IS NULL OR params->>'k' = $2) ORDER BY created_at`,
    [job, k ?? null],
  );

/** Executions by job and status, fan-in slots by state, and the errors: for a failing wait's message. */
async function snapshot(db: string): Promise<string> {
  const rows = await query(
    db,
    `SELECT job_name, status, count(*)::int AS n, min(error) AS error FROM executions GROUP BY 1, 2 ORDER BY 1, 2`,
  );
  const slots = await query(
    db,
    `SELECT job_name, state, reason, count(*)::int AS n FROM fan_in_slots GROUP BY 1, 2, 3`,
  );
  return JSON.stringify({ rows, slots });
}

/** waitFor, naming the state of the database when it gives up. */
async function until(db: string, cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  await waitFor(cond, ms, what).catch(async (err: Error) => {
    throw new Error(`${err.message}; ${await snapshot(db)}`);
  });
}

const nothingActive = async (db: string) =>
  (await query<{ n: number }>(db, `SELECT count(*)::int AS n FROM executions WHERE status IN ('queued','running')`))[0]!
    .n === 0;

describe('the WatchMe example as a pipeline (3 devices × 2 dates)', () => {
  let target: HttpTarget;
  let app: TestApp;

  beforeAll(async () => {
    target = await startHttpTarget();
    target.on('/generate-timeblock-prompt', (r, res) => {
      const i = bodyOf(r);
      json(res, 200, { prompt: `Analyse ${i.device_id} on ${i.date} during ${i.time_block}` });
    });
    target.on('/analysis/timeblock', (r, res) => json(res, 200, { summary: `calm (${bodyOf(r).device_id})` }));
    target.on('/vibe-scorer/score', (r, res) => json(res, 200, { vibe_score: `${bodyOf(r).device_id}:7.5` }));
    app = await startTestApp({ ...env, WORKER_CONCURRENCY: '8' });
  });

  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  it('runs every summary once per (device, date), only after its features, prompt and analysis', async () => {
    const applied = await applyYaml(app, WATCHME.replaceAll('http://127.0.0.1:8090', target.url));
    expect(applied.status).toBe(200);
    const dates = ['2026-12-01', '2026-12-02'];
    const roots = [];
    for (const date of dates) roots.push(await run(app, 'watchme-hour', { date, time_block: '09-00' }));

    await until(
      app.db.url,
      async () => target.hits('/dashboard/summary').length >= 6 && nothingActive(app.db.url),
      40_000,
      'six summaries',
    );
    // Nothing more arrives (a second firing would come right after the first).
    await waitFor(async () => nothingActive(app.db.url), 10_000, 'quiet');

    const devices = ['d-0001', 'd-0002', 'd-0003'];
    const summaries = target.hits('/dashboard/summary').map((r) => Object.assign(bodyOf(r), { at: r.at }));
    expect(summaries).toHaveLength(6);
    const keys = summaries.map((s) => `${s.device_id}/${s.date}`).sort();
    expect(keys).toEqual(dates.flatMap((d) => devices.map((dev) => `${dev}/${d}`)).sort());
    const at = (path: string, device: string, date: string) =>
      target
        .hits(path)
        .filter((r) => bodyOf(r).device_id === device && bodyOf(r).date === date)
        .map((r) => r.at);
    for (const s of summaries) {
      const features = ['/transcriber/process', '/behavior-features/process', '/emotion-features/process'];
      for (const f of features) {
        expect(at(f, s.device_id!, s.date!)).toHaveLength(1);
        expect(at(f, s.device_id!, s.date!)[0]!).toBeLessThanOrEqual(s.at);
      }
      const prompt = at('/generate-timeblock-prompt', s.device_id!, s.date!);
      const analysis = at('/analysis/timeblock', s.device_id!, s.date!);
      expect(prompt).toHaveLength(1);
      expect(analysis).toHaveLength(1);
      // The prompt was asked after the three aggregations; the summary after the analysis.
      for (const agg of ['/aggregator/behavior', '/aggregator/emotion', '/vibe-scorer/score']) {
        expect(at(agg, s.device_id!, s.date!)[0]!).toBeLessThanOrEqual(prompt[0]!);
      }
      expect(prompt[0]!).toBeLessThanOrEqual(analysis[0]!);
      expect(analysis[0]!).toBeLessThanOrEqual(s.at);
      // needs.<job>.response reached the summary's params.
      expect(s.analysis).toBe(`calm (${s.device_id})`);
      expect(s.vibe_score).toBe(`${s.device_id}:7.5`);
    }
    // In the database too: each summary started after its needed runs finished.
    const summaryRuns = await executionsOf(app.db.url, 'dashboard-summary');
    expect(summaryRuns.map((e) => e.status)).toEqual(Array(6).fill('succeeded'));
    const order = await query<{ bad: number }>(
      app.db.url,
      `SELECT count(*)::int AS bad FROM executions s JOIN executions f
          ON f.params->>'device_id' = s.params->>'device_id' AND f.params->>'date' = s.params->>'date'
       WHERE s.job_name = 'dashboard-summary'
         AND f.job_name IN ('transcriber','behavior-features','emotion-features','timeblock-prompt','timeblock-analysis')
         AND (f.status <> 'succeeded' OR f.finished_at > s.started_at)`,
    );
    expect(order[0]!.bad).toBe(0);
    const slots = await query<{ job_name: string; state: string; n: number }>(
      app.db.url,
      `SELECT job_name, state, count(*)::int AS n FROM fan_in_slots GROUP BY 1, 2 ORDER BY 1`,
    );
    expect(slots).toEqual([
      { job_name: 'dashboard-summary', state: 'fired', n: 6 },
      { job_name: 'timeblock-prompt', state: 'fired', n: 6 },
    ]);

    // Two pipeline runs (one per root), each with every execution it started, succeeded.
    const list = await app.api('GET', '/api/v1/pipeline-runs?limit=1');
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(1);
    expect(list.body.nextCursor).toEqual(expect.any(String));
    const next = await app.api('GET', `/api/v1/pipeline-runs?limit=1&cursor=${list.body.nextCursor}`);
    expect(next.body.items).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();
    const runs = [...list.body.items, ...next.body.items];
    expect(runs.map((r: { rootExecutionId: string }) => r.rootExecutionId).sort()).toEqual(
      roots.map((r) => r.id).sort(),
    );
    for (const r of runs) {
      expect(r).toMatchObject({ status: 'succeeded', rootJobName: 'watchme-hour', trigger: 'api' });
      // root + 3 fan-out children + per device: 3 features, 3 aggregators, scorer, prompt, analysis, summary
      expect(r.counts).toMatchObject({ total: 34, succeeded: 34, failed: 0, waiting: 0 });
    }
    const detail = await app.api('GET', `/api/v1/pipeline-runs/${runs[0].id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.groupBy).toEqual(['device_id', 'date']);
    const nodes = detail.body.nodes as { id: string; jobName: string; layer: number; group: string | null }[];
    expect(nodes).toHaveLength(34);
    expect(new Set(nodes.map((n) => n.group).filter(Boolean)).size).toBe(3);
    const layerOf = (job: string) => [...new Set(nodes.filter((n) => n.jobName === job).map((n) => n.layer))];
    expect(layerOf('watchme-hour').sort()).toEqual([0, 1]); // the fan-out parent, then its 3 children
    expect(nodes.find((n) => n.id === runs[0].rootExecutionId)!.layer).toBe(0);
    expect(layerOf('transcriber')).toEqual([2]);
    expect(layerOf('timeblock-prompt')).toEqual([5]); // after vibe-aggregator (3) and vibe-scorer (4)
    expect(layerOf('dashboard-summary')).toEqual([7]); // after timeblock-analysis (6)
    const edges = detail.body.edges as { from: string; to: string; kind: string }[];
    expect(edges.filter((e) => e.kind === 'needs')).toHaveLength(3 * 3 + 3 * 2);
    expect(edges.filter((e) => e.kind === 'fanout')).toHaveLength(3);
    // The execution detail names its pipeline run.
    const summaryId = nodes.find((n) => n.jobName === 'dashboard-summary')!.id;
    expect((await app.api('GET', `/api/v1/executions/${summaryId}`)).body.pipelineRunId).toBe(runs[0].id);
    // A job filter finds the runs holding that job; bad filters are 400s.
    expect((await app.api('GET', '/api/v1/pipeline-runs?job=timeblock-prompt')).body.items).toHaveLength(2);
    expect((await app.api('GET', '/api/v1/pipeline-runs?job=nope')).body.items).toHaveLength(0);
    expect((await app.api('GET', '/api/v1/pipeline-runs?status=bogus')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/pipeline-runs/not-a-uuid')).status).toBe(400);
    expect((await app.api('GET', `/api/v1/pipeline-runs/${roots[0]!.id}`)).status).toBe(404);
  });

  it('export writes needs, and applying the export changes nothing', async () => {
    const exported = await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders });
    const text = await exported.text();
    expect(text).toContain('needs:');
    expect(text).toContain('onFailure: run');
    const again = await applyYaml(app, text);
    expect(again.status).toBe(200);
    expect(again.body.summary.update).toBe(0);
    expect(again.body.summary.create).toBe(0);
  });
});

describe('needs: validation at save', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ ...env, WORKERS_ENABLED: 'false' });
    const params = [{ name: 'k', type: 'string' }];
    await createJob(app, { name: 'a', executor: { kind: 'http', url: 'http://127.0.0.1:9/a' }, params });
    await createJob(app, { name: 'b', executor: { kind: 'http', url: 'http://127.0.0.1:9/b' }, params: [] });
  });
  afterAll(async () => app?.close());

  const fanIn = (needs: unknown, extra: Record<string, unknown> = {}) => ({
    name: 'f',
    executor: { kind: 'http', url: 'http://127.0.0.1:9/f' },
    params: [{ name: 'k', type: 'string' }],
    needs,
    ...extra,
  });

  it('refuses unknown jobs, missing or secret key params, bad deadlines and cycles with a 400 naming them', async () => {
    const post = (body: unknown) => app.api('POST', '/api/v1/jobs', body);
    let r = await post(fanIn({ jobs: ['nope'], key: ['k'] }));
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('needs.jobs.0: job nope does not exist');
    r = await post(fanIn({ jobs: ['b'], key: ['k'] }));
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('needs.key: needed job b declares no param k (params: none)');
    r = await post(fanIn({ jobs: ['a'], key: ['k'] }, { params: [{ name: 'k', type: 'string', secret: true }] }));
    expect(r.status).toBe(400);
    expect(r.body.message[0]).toMatch(/param k of job f is secret/);
    r = await post(fanIn({ jobs: ['a'], key: ['k'], deadline: 'soon' }));
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('needs.deadline must be a number and a unit: 500ms, 90s, 30m, 2h, 1d');
    r = await post(fanIn({ jobs: ['a', 'a'], key: ['k'], onFailure: 'explode' }));
    expect(r.status).toBe(400);
    expect(r.body.message).toEqual(
      expect.arrayContaining([
        'needs.jobs lists a job twice',
        expect.stringMatching(/^needs\.onFailure must be one of/),
      ]),
    );
    r = await post(fanIn({ jobs: ['a'], key: ['k'], params: { x: '{{ parent.params.k }}' } }));
    expect(r.status).toBe(400);
    expect(JSON.stringify(r.body.message)).toContain('unknown variable parent.params.k');
    r = await post(fanIn({ jobs: ['f'], key: ['k'] }));
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('needs.jobs.0: a job cannot need itself');
    // f needs a; a chaining into f's successor that chains back to a is a cycle across chains and needs.
    expect((await post(fanIn({ jobs: ['a'], key: ['k'] }, { onSuccess: [{ job: 'g' }] }))).status).toBe(400);
    await createJob(app, { name: 'g', executor: { kind: 'http', url: 'http://127.0.0.1:9/g' }, params: [] });
    expect((await post(fanIn({ jobs: ['a'], key: ['k'] }, { onSuccess: [{ job: 'g' }] }))).status).toBe(201);
    r = await app.api('PATCH', '/api/v1/jobs/g', { onSuccess: [{ job: 'a' }] });
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('onSuccess/onFailure/needs would form a cycle: g -> a -> f -> g');
    // A needed job may not drop the key param, be renamed or deleted while f needs it.
    r = await app.api('PATCH', '/api/v1/jobs/a', { params: [] });
    expect(r.status).toBe(400);
    expect(r.body.message).toEqual(['params: job f needs a with key k: a must declare this param (not secret)']);
    expect((await app.api('DELETE', '/api/v1/jobs/a')).status).toBe(409);
    // Defaults are filled in; the view shows them.
    const f = await app.api('GET', '/api/v1/jobs/f');
    expect(f.body.needs).toEqual({ jobs: ['a'], key: ['k'], onFailure: 'skip', deadline: '24h' });
    expect((await app.api('GET', '/api/v1/jobs/a')).body.needs).toBeNull();
  });
});

describe('fan-in policies: a needed job failing, a late arrival after the deadline', () => {
  let target: HttpTarget;
  let app: TestApp;
  const params = [{ name: 'k', type: 'string', required: true }];

  beforeAll(async () => {
    target = await startHttpTarget();
    target.on('/bad', (_r, res) => json(res, 500, { error: 'boom' }));
    target.on('/good', (r, res) => json(res, 200, { got: new URL(r.url, 'http://x').searchParams.get('k') }));
    app = await startTestApp(env);
    const job = (name: string, path: string, extra: Record<string, unknown> = {}) =>
      createJob(app, {
        name,
        executor: { kind: 'http', url: `${target.url}${path}`, query: { k: '{{ params.k }}' } },
        params: [...params, { name: 'info', type: 'string', default: '' }],
        ...extra,
      });
    await job('ok', '/good');
    await job('bad', '/bad');
    await job('slow', '/good');
    for (const onFailure of ['skip', 'fail', 'run']) {
      await job(`on-${onFailure}`, `/fan-${onFailure}`, {
        needs: {
          jobs: ['ok', 'bad'],
          key: ['k'],
          onFailure,
          params: { info: '{{ needs.bad.status }}/{{ needs.ok.response.json.got }}' },
        },
      });
      await job(`late-${onFailure}`, `/late-${onFailure}`, {
        needs: {
          jobs: ['ok', 'slow'],
          key: ['k'],
          onFailure,
          deadline: '300ms',
          params: { info: '{{ needs.slow.status }}' },
        },
      });
    }
  });

  afterAll(async () => {
    await app?.close();
    await target?.close();
  });

  it('a needed job that fails: skip records a skipped run, fail a failed one, run runs with it marked', async () => {
    // ok first (its pipeline run is the one the fan-ins join: the first arrival's), then bad.
    await run(app, 'ok', { k: 'x1' });
    await waitFor(async () => (await executionsOf(app.db.url, 'ok'))[0]?.status === 'succeeded', 30_000, 'ok');
    await run(app, 'bad', { k: 'x1' });
    await waitFor(
      async () => {
        // (the late-* fan-ins of x1 settle at their 300 ms deadline: wait for them too, so the run is final)
        const states = await query<{ n: number }>(
          app.db.url,
          `SELECT count(*)::int AS n FROM fan_in_slots WHERE state <> 'waiting'`,
        );
        return states[0]!.n === 6 && nothingActive(app.db.url);
      },
      30_000,
      'three fan-ins settled',
    );
    const skip = await executionsOf(app.db.url, 'on-skip');
    expect(skip).toHaveLength(1);
    expect(skip[0]).toMatchObject({ status: 'skipped', params: { k: 'x1' } });
    expect(skip[0]!.error).toBe('needs ok, bad for k=x1: bad failed (onFailure skip)');
    const fail = await executionsOf(app.db.url, 'on-fail');
    expect(fail).toHaveLength(1);
    expect(fail[0]).toMatchObject({ status: 'failed', error: 'needs ok, bad for k=x1: bad failed (onFailure fail)' });
    expect(target.hits('/fan-skip')).toHaveLength(0);
    expect(target.hits('/fan-fail')).toHaveLength(0);
    const ran = await executionsOf(app.db.url, 'on-run');
    expect(ran).toHaveLength(1);
    expect(ran[0]).toMatchObject({ status: 'succeeded', params: { k: 'x1', info: 'failed/x1' } });
    expect(target.hits('/fan-run')).toHaveLength(1);
    // The failed fan-ins belong to the pipeline run and make it failed/partial.
    const runId = (
      await query<{ id: string }>(app.db.url, `SELECT pipeline_run_id AS id FROM executions WHERE id = $1`, [
        fail[0]!.id,
      ])
    )[0]!.id;
    expect(runId).toEqual(expect.any(String));
    const detail = await app.api('GET', `/api/v1/pipeline-runs/${runId}`);
    expect(detail.body.status).toBe('partial');
    expect(
      detail.body.nodes.map((n: { jobName: string; status: string }) => `${n.jobName}:${n.status}`).sort(),
    ).toEqual(
      // (bad's run was triggered on its own: it is a pipeline run of its own, feeding this one's fan-ins)
      expect.arrayContaining(['ok:succeeded', 'on-fail:failed', 'on-run:succeeded', 'on-skip:skipped']),
    );
  });

  it('a needed run missing at the deadline: the policy applies once; the late arrival changes nothing', async () => {
    await run(app, 'ok', { k: 'y1' });
    await waitFor(
      async () => {
        const n = await query<{ n: number }>(
          app.db.url,
          `SELECT count(*)::int AS n FROM fan_in_slots
            WHERE job_name LIKE 'late-%' AND state <> 'waiting' AND key_values->>'k' = 'y1'`,
        );
        return n[0]!.n === 3 && nothingActive(app.db.url);
      },
      30_000,
      'deadline settles three fan-ins',
    );
    expect(await executionsOf(app.db.url, 'late-skip', 'y1')).toMatchObject([
      { status: 'skipped', error: 'needs ok, slow for k=y1: slow missing at the deadline (onFailure skip)' },
    ]);
    expect(await executionsOf(app.db.url, 'late-fail', 'y1')).toMatchObject([{ status: 'failed' }]);
    expect(await executionsOf(app.db.url, 'late-run', 'y1')).toMatchObject([
      { status: 'succeeded', params: { k: 'y1', info: 'missing' } },
    ]);

    // slow arrives late: nothing fires again; its log says why.
    const late = await run(app, 'slow', { k: 'y1' });
    await waitFor(
      async () => (await executionsOf(app.db.url, 'slow'))[0]?.status === 'succeeded' && nothingActive(app.db.url),
      30_000,
      'slow done',
    );
    await waitFor(
      async () => {
        const logs = await query<{ message: string }>(
          app.db.url,
          `SELECT message FROM execution_logs WHERE execution_id = $1`,
          [late.id],
        );
        return logs.filter((l) => l.message.includes('came too late')).length === 3;
      },
      10_000,
      'late-arrival log lines',
    );
    // (x1's slots settled at their own deadline in the test before: one run each, not counted here)
    for (const name of ['late-skip', 'late-fail', 'late-run'])
      expect(await executionsOf(app.db.url, name, 'y1')).toHaveLength(1);
    expect(target.hits('/late-run').filter((r) => r.url.includes('k=y1'))).toHaveLength(1);
  });
});

describe('fan-in across two replicas', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let target: HttpTarget;

  beforeAll(async () => {
    db = await createTestDatabase();
    target = await startHttpTarget();
    // 2 × 16 workers > the 30 held calls: holding them cannot starve the queue.
    a = await startTestApp({ ...env, WORKER_CONCURRENCY: '16' }, db);
    b = await startTestApp({ ...env, WORKER_CONCURRENCY: '16' }, db);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await target?.close();
  });

  it('the three needed runs of a key finish together on both replicas; the fan-in runs exactly once per key', async () => {
    // Hold each key's three needed calls until all three are in, then answer them at once, so their
    // results are written (and arrive at the fan-in) at the same moment, on whichever replica ran them.
    const held = new Map<string, (() => void)[]>();
    const hold = (r: TargetRequest, res: import('node:http').ServerResponse) => {
      const k = new URL(r.url, 'http://x').searchParams.get('k')!;
      const list = held.get(k) ?? [];
      list.push(() => json(res, 200, { k }));
      held.set(k, list);
      if (list.length === 3) for (const go of list) go();
    };
    for (const p of ['/n1', '/n2', '/n3']) target.on(p, hold);
    const params = [{ name: 'k', type: 'string', required: true }];
    for (const n of ['n1', 'n2', 'n3']) {
      await createJob(a, {
        name: n,
        executor: { kind: 'http', url: `${target.url}/${n}`, query: { k: '{{ params.k }}' } },
        params,
      });
    }
    await createJob(a, {
      name: 'joined',
      executor: { kind: 'http', url: `${target.url}/joined`, query: { k: '{{ params.k }}' } },
      params,
      needs: { jobs: ['n1', 'n2', 'n3'], key: ['k'] },
    });
    const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
    // Spread the runs over both replicas' APIs (each replica's workers claim from the one queue).
    await Promise.all(keys.flatMap((k, i) => ['n1', 'n2', 'n3'].map((n, j) => run((i + j) % 2 ? a : b, n, { k }))));
    await waitFor(
      async () => {
        const r = await query<{ n: number }>(
          db.url,
          `SELECT count(*)::int AS n FROM fan_in_slots WHERE state = 'fired'`,
        );
        return r[0]!.n === keys.length && nothingActive(db.url);
      },
      60_000,
      'every key fired',
    );
    const joined = await executionsOf(db.url, 'joined');
    expect(joined).toHaveLength(keys.length);
    expect(joined.map((e) => e.params.k).sort()).toEqual([...keys].sort());
    expect(joined.every((e) => e.status === 'succeeded')).toBe(true);
    const calls = target.hits('/joined').map((r) => new URL(r.url, 'http://x').searchParams.get('k'));
    expect(calls.sort()).toEqual([...keys].sort());
    // Each slot holds its three arrivals and the one run it fired.
    const slots = await query<{ arrivals: Record<string, { executionId: string }>; execution_id: string }>(
      db.url,
      `SELECT arrivals, execution_id FROM fan_in_slots`,
    );
    expect(slots.every((s) => Object.keys(s.arrivals).sort().join() === 'n1,n2,n3')).toBe(true);
    expect(new Set(slots.map((s) => s.execution_id))).toEqual(new Set(joined.map((e) => e.id)));
  });
});
