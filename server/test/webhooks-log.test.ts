import { randomUUID } from 'node:crypto';
import { query } from './helpers/database.js';
import { startTestApp, type ApiResult, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import type {
  WebhookDeliveryExecution,
  WebhookDeliveryPage,
  WebhookDeliverySummary,
  WebhookJobMatch,
} from '@api-manager/contracts';

const ENV = {
  APP_SECRET: 'webhooks-log-test-secret-0123456789abcd',
  WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
  WORKERS_ENABLED: 'false',
  SCHEDULER_ENABLED: 'false',
  LOG_LEVEL: 'error',
};

/** A delivery's `matches` as stored (webhooks/match-set.ts): codes against a match set, the rest in full. */
interface PackedMatches {
  set: string;
  plain: number[];
  rows: [number, WebhookJobMatch][];
}

describe('webhook deliveries log, replay, dry run, sources', () => {
  let app: TestApp;
  const count = async (sql: string, args: unknown[] = []) =>
    Number((await query<{ n: string }>(app.db.url, sql, args))[0].n);

  beforeAll(async () => {
    app = await startTestApp(ENV);
    for (const [name, watchFiles] of [
      ['prompts', ['prompts/**', '!**/*.md']],
      ['api', ['services/api/**']],
    ] as const) {
      const res = await app.api('POST', '/api/v1/jobs', {
        name,
        executor: { kind: 'http', url: 'http://127.0.0.1:9/run' },
        triggers: { github: [{ repository: 'org/repo', branches: ['main'], watchFiles }] },
      });
      expect(res.status).toBe(201);
    }
  });
  afterAll(async () => {
    await app?.close();
  });

  it('shows a delivery with masked headers, changed files, which pattern matched which file, and its executions', async () => {
    const key = randomUUID();
    const res = await deliver(
      app.baseUrl,
      githubPush({ commits: [{ added: ['prompts/a.txt', 'prompts/notes.md'] }, { modified: ['web/index.html'] }] }),
      { id: key },
    );
    expect(res.body.triggered_jobs).toEqual(['prompts']);
    const d = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({
      id: res.body.delivery_id,
      deliveryKey: key,
      provider: 'github',
      event: 'push',
      outcome: 'triggered',
      repository: 'org/repo',
      ref: 'refs/heads/main',
      changedFileCount: 3,
      triggeredJobs: ['prompts'],
      responseCode: 200,
      response: res.body,
    });
    expect(d.body.headers['x-hub-signature-256']).toBe('sha256=***');
    expect(d.body.headers['x-github-delivery']).toBe(key);
    expect(d.body.changedFiles).toEqual(['prompts/a.txt', 'prompts/notes.md', 'web/index.html']);
    const prompts = d.body.matches.find((m: WebhookJobMatch) => m.jobName === 'prompts')!;
    expect(prompts.matched).toBe(true);
    expect(prompts.triggers[0].matchedFiles).toEqual([{ file: 'prompts/a.txt', pattern: 'prompts/**' }]);
    expect(prompts.triggers[0].excludedFiles).toEqual([{ file: 'prompts/notes.md', pattern: '!**/*.md' }]);
    expect(prompts.executionId).toBe(d.body.executions[0].id);
    const api = d.body.matches.find((m: WebhookJobMatch) => m.jobName === 'api')!;
    expect(api).toMatchObject({ matched: false });
    expect(api.reason).toContain('none of 3 changed files match watchFiles');
    // Stored as its reason alone (the shared `!**/*.md` excluded nothing it watched); the API restores the trigger.
    expect(api.triggers).toEqual([
      { trigger: 0, matched: false, reason: api.reason, matchedFiles: [], matchedFileCount: 0, excludedFiles: [] },
    ]);
    // Stored packed (webhooks/match-set.ts): `api` as code 0 against the match set (its id, name and
    // watchFiles stored once), `prompts` in full.
    const [row] = await query<{ matches: PackedMatches }>(
      app.db.url,
      'SELECT matches FROM webhook_deliveries WHERE id = $1',
      [res.body.delivery_id],
    );
    const apiIndex = d.body.matches.indexOf(api);
    expect(row.matches.plain[apiIndex]).toBe(0);
    expect(JSON.stringify(row.matches)).not.toContain(api.jobId);
    const [set] = await query<{ jobs: unknown[][] }>(app.db.url, 'SELECT jobs FROM webhook_match_sets WHERE id = $1', [
      row.matches.set,
    ]);
    expect(set.jobs[apiIndex].slice(0, 2)).toEqual([api.jobId, 'api']);
    const full = row.matches.rows.find(([, m]) => m.jobName === 'prompts');
    expect(full![1].triggers).toHaveLength(1);
    expect(d.body.executions).toEqual([{ id: expect.any(String), jobName: 'prompts', status: 'queued' }]);
    expect((await app.api('GET', `/api/v1/webhooks/deliveries/${randomUUID()}`)).status).toBe(404);
    expect((await app.api('GET', '/api/v1/webhooks/deliveries/not-a-uuid')).status).toBe(404);
  });

  it('lists deliveries newest first with filters and cursor paging', async () => {
    for (let i = 0; i < 5; i++)
      await deliver(app.baseUrl, githubPush({ repository: 'org/paged', commits: [{ added: [`f${i}`] }] }));
    await deliver(app.baseUrl, { action: 'opened', repository: { full_name: 'org/paged' } }, { event: 'issues' });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: ApiResult<WebhookDeliveryPage> = await app.api<WebhookDeliveryPage>(
        'GET',
        `/api/v1/webhooks/deliveries?repository=ORG/PAGED&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((x) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    const all = await app.api('GET', '/api/v1/webhooks/deliveries?repository=org/paged&limit=200');
    expect(all.body.items.map((x: WebhookDeliverySummary) => x.id)).toEqual(seen);
    const ignored = await app.api('GET', '/api/v1/webhooks/deliveries?repository=org/paged&outcome=ignored');
    expect(ignored.body.items.map((x: WebhookDeliverySummary) => x.event)).toEqual(['issues']);
    const byJob = await app.api('GET', '/api/v1/webhooks/deliveries?job=prompts');
    expect(byJob.body.items.length).toBeGreaterThan(0);
    expect(byJob.body.items.every((x: WebhookDeliverySummary) => x.triggeredJobs.includes('prompts'))).toBe(true);
    const future = await app.api(
      'GET',
      `/api/v1/webhooks/deliveries?since=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(future.body.items).toEqual([]);
    expect((await app.api('GET', '/api/v1/webhooks/deliveries?limit=0')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/webhooks/deliveries?outcome=bogus')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/webhooks/deliveries?cursor=nope')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/webhooks/deliveries', undefined, {})).status).toBe(401);
  });

  it('replays a delivery: a new record linked to the original, new executions, against the current jobs', async () => {
    const orig = await deliver(
      app.baseUrl,
      githubPush({ commits: [{ added: ['prompts/r.txt', 'services/api/r.ts'] }] }),
    );
    expect([...orig.body.triggered_jobs].sort()).toEqual(['api', 'prompts']);
    const viewer = await app.as('viewer');
    expect(
      (await app.api('POST', `/api/v1/webhooks/deliveries/${orig.body.delivery_id}/replay`, {}, viewer)).status,
    ).toBe(403);
    // Disable one job: the replay matches against the jobs as they are now.
    expect((await app.api('PATCH', '/api/v1/jobs/api', { enabled: false })).status).toBe(200);
    const replay = await app.api(
      'POST',
      `/api/v1/webhooks/deliveries/${orig.body.delivery_id}/replay`,
      {},
      await app.as('operator', ['run']),
    );
    expect(replay.status).toBe(201);
    expect(replay.body).toMatchObject({ status: 'ok', triggered_jobs: ['prompts'], replay_of: orig.body.delivery_id });
    expect(replay.body.delivery_id).not.toBe(orig.body.delivery_id);
    const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${replay.body.delivery_id}`);
    expect(detail.body).toMatchObject({ replayOf: orig.body.delivery_id, outcome: 'triggered', changedFileCount: 2 });
    expect(detail.body.executions.map((e: WebhookDeliveryExecution) => e.jobName)).toEqual(['prompts']);
    expect((await app.api('GET', `/api/v1/webhooks/deliveries/${orig.body.delivery_id}`)).body.replays).toEqual([
      replay.body.delivery_id,
    ]);
    expect((await app.api('PATCH', '/api/v1/jobs/api', { enabled: true })).status).toBe(200);

    const skipped = await deliver(
      app.baseUrl,
      githubPush({ commits: [{ message: 'wip [skip ci]', added: ['prompts/s.txt'] }] }),
    );
    const again = await app.api('POST', `/api/v1/webhooks/deliveries/${skipped.body.delivery_id}/replay`, {});
    expect(again.body).toMatchObject({ triggered_jobs: [], skipped: '[skip ci]' });
    const forced = await app.api('POST', `/api/v1/webhooks/deliveries/${skipped.body.delivery_id}/replay`, {
      ignoreSkip: true,
    });
    expect(forced.body.triggered_jobs).toEqual(['prompts']);
    const ping = await deliver(app.baseUrl, { zen: 'z', repository: { full_name: 'org/repo' } }, { event: 'ping' });
    expect((await app.api('POST', `/api/v1/webhooks/deliveries/${ping.body.delivery_id}/replay`, {})).status).toBe(400);
  });

  it('a job change takes effect on the next delivery (matchers recompiled by version)', async () => {
    const push = () => githubPush({ commits: [{ added: ['services/web/app.ts'] }] });
    expect((await deliver(app.baseUrl, push())).body.triggered_jobs).toEqual([]);
    const patched = await app.api('PATCH', '/api/v1/jobs/api', {
      triggers: { github: [{ repository: 'org/repo', branches: ['main'], watchFiles: ['services/**'] }] },
    });
    expect(patched.status).toBe(200);
    expect((await deliver(app.baseUrl, push())).body.triggered_jobs).toEqual(['api']);
    await app.api('PATCH', '/api/v1/jobs/api', {
      triggers: { github: [{ repository: 'org/repo', branches: ['main'], watchFiles: ['services/api/**'] }] },
    });
    expect((await deliver(app.baseUrl, push())).body.triggered_jobs).toEqual([]);
  });

  it('dry run answers which jobs would run and why, and writes nothing', async () => {
    const deliveries = await count('SELECT count(*) AS n FROM webhook_deliveries');
    const executions = await count('SELECT count(*) AS n FROM executions');
    const res = await app.api('POST', '/api/v1/webhooks/github/dry-run', {
      event: 'push',
      payload: githubPush({ commits: [{ added: ['prompts/x.txt', 'README.md'] }] }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      event: 'push',
      outcome: 'triggered',
      wouldTrigger: ['prompts'],
      repository: 'org/repo',
    });
    expect(res.body.changedFiles).toEqual(['README.md', 'prompts/x.txt']);
    expect(res.body.matches.find((m: WebhookJobMatch) => m.jobName === 'api').reason).toContain('none of 2');
    const skip = await app.api('POST', '/api/v1/webhooks/github/dry-run', {
      event: 'push',
      payload: githubPush({ commits: [{ message: 'x [ci skip]', added: ['prompts/x.txt'] }] }),
    });
    expect(skip.body).toMatchObject({ outcome: 'skipped', skipReason: '[ci skip]', wouldTrigger: [] });
    const ping = await app.api('POST', '/api/v1/webhooks/github/dry-run', { event: 'ping', payload: {} });
    expect(ping.body.outcome).toBe('ping');
    expect((await app.api('POST', '/api/v1/webhooks/github/dry-run', { event: 'push', payload: {} })).status).toBe(400);
    expect((await app.api('POST', '/api/v1/webhooks/github/dry-run', { event: 'push' })).status).toBe(400);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries')).toBe(deliveries);
    expect(await count('SELECT count(*) AS n FROM executions')).toBe(executions);
  });

  it('sources: per-repository secrets stored encrypted and never returned; bound to their repository', async () => {
    const created = await app.api('POST', '/api/v1/webhooks/sources', {
      provider: 'github',
      repository: 'org/private',
      secret: 'private-repo-secret',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      provider: 'github',
      repository: 'org/private',
      hasSecret: true,
      insecure: false,
    });
    expect(JSON.stringify(created.body)).not.toContain('private-repo-secret');
    const [row] = await query(app.db.url, 'SELECT secret FROM webhook_sources WHERE id = $1', [created.body.id]);
    expect(row.secret).toMatch(/^enc:v1:/);
    expect(JSON.stringify((await app.api('GET', '/api/v1/webhooks/sources')).body)).not.toContain(
      'private-repo-secret',
    );

    const push = githubPush({ repository: 'org/private', commits: [{ added: ['a'] }] });
    expect((await deliver(app.baseUrl, push, { secret: 'private-repo-secret' })).status).toBe(200);
    // The default secret no longer signs for a repository with a source of its own…
    expect((await deliver(app.baseUrl, push)).status).toBe(401);
    // …and a repository's secret does not sign for another repository.
    expect(
      (await deliver(app.baseUrl, githubPush({ repository: 'org/repo' }), { secret: 'private-repo-secret' })).status,
    ).toBe(401);

    const rotated = await app.api('PATCH', `/api/v1/webhooks/sources/${created.body.id}`, { secret: 'rotated-secret' });
    expect(rotated.status).toBe(200);
    expect((await deliver(app.baseUrl, push, { secret: 'private-repo-secret' })).status).toBe(401);
    expect((await deliver(app.baseUrl, push, { secret: 'rotated-secret' })).status).toBe(200);

    expect(
      (await app.api('POST', '/api/v1/webhooks/sources', { provider: 'github', repository: 'org/x' })).status,
    ).toBe(400);
    expect((await app.api('POST', '/api/v1/webhooks/sources', { provider: 'svn', secret: 'x' })).status).toBe(400);
    expect(
      (
        await app.api('POST', '/api/v1/webhooks/sources', {
          provider: 'github',
          repository: 'org/private',
          secret: 'y',
        })
      ).status,
    ).toBe(409);
    expect(
      (await app.api('POST', '/api/v1/webhooks/sources', { provider: 'github', secret: 'x' }, await app.as('operator')))
        .status,
    ).toBe(403);
    expect((await app.api('DELETE', `/api/v1/webhooks/sources/${created.body.id}`)).status).toBe(204);
    expect((await deliver(app.baseUrl, push)).status).toBe(200);
  });

  it('unsigned deliveries only for a source explicitly marked insecure, and only for its repository', async () => {
    const push = githubPush({ repository: 'org/lab', commits: [{ added: ['x'] }] });
    expect((await deliver(app.baseUrl, push, { signature: null })).status).toBe(401);
    const src = await app.api('POST', '/api/v1/webhooks/sources', {
      provider: 'github',
      repository: 'org/lab',
      insecure: true,
    });
    expect(src.status).toBe(201);
    expect(src.body.hasSecret).toBe(false);
    expect((await deliver(app.baseUrl, push, { signature: null })).status).toBe(200);
    expect((await deliver(app.baseUrl, githubPush({ repository: 'org/repo' }), { signature: null })).status).toBe(401);
    // A present but wrong signature is still rejected.
    expect((await deliver(app.baseUrl, push, { secret: 'wrong' })).status).toBe(401);
    await app.api('DELETE', `/api/v1/webhooks/sources/${src.body.id}`);
  });

  it("GitHub's published test vector authenticates through the receiver", async () => {
    const src = await app.api('POST', '/api/v1/webhooks/sources', {
      provider: 'github',
      secret: "It's a Secret to Everybody",
    });
    expect(src.status).toBe(201);
    const sig = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    // Signature accepted, then the body ("Hello, World!") is not JSON: 400, not 401.
    expect(await deliver(app.baseUrl, 'Hello, World!', { signature: sig })).toEqual({
      status: 400,
      body: { status: 'error', message: 'Invalid JSON payload' },
    });
    expect((await deliver(app.baseUrl, 'Hello, World?', { signature: sig })).status).toBe(401);
    await app.api('DELETE', `/api/v1/webhooks/sources/${src.body.id}`);
  });
});
