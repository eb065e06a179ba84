import { randomUUID } from 'node:crypto';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, sign, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import type { WebhookJobMatch } from '@api-manager/contracts';

const ENV = {
  APP_SECRET: 'webhooks-receiver-test-secret-0123456789',
  WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
  WORKERS_ENABLED: 'false',
  SCHEDULER_ENABLED: 'false',
  LOG_LEVEL: 'error',
};

describe('webhook receiver', () => {
  let app: TestApp;

  const createJob = async (name: string, github: unknown[], params: unknown[] = []) => {
    const res = await app.api('POST', '/api/v1/jobs', {
      name,
      executor: { kind: 'http', url: 'http://127.0.0.1:9/run' },
      params,
      triggers: { github },
    });
    expect(res.status).toBe(201);
    return res.body;
  };
  const executionsOf = (deliveryId: string) =>
    query<{ job_name: string; trigger: string; trigger_ref: string; params: Record<string, unknown>; status: string }>(
      app.db.url,
      'SELECT job_name, trigger, trigger_ref, params, status FROM executions WHERE delivery_id = $1 ORDER BY job_name',
      [deliveryId],
    );
  const count = async (sql: string, args: unknown[] = []) =>
    Number((await query<{ n: string }>(app.db.url, sql, args))[0].n);

  beforeAll(async () => {
    app = await startTestApp(ENV);
    await createJob(
      'prompts',
      [
        {
          repository: 'org/repo',
          branches: ['main', 'release/*'],
          watchFiles: ['prompts/**', '!**/*.md'],
          params: { sha: '{{ push.after }}', branch: '{{ push.branch }}', repo: '{{ push.repository }}' },
        },
      ],
      [
        { name: 'sha', type: 'string' },
        { name: 'branch', type: 'string' },
        { name: 'repo', type: 'string' },
      ],
    );
    await createJob('api-build', [{ repository: 'org/repo', watchFiles: ['services/api/**', 'package.json'] }]);
    await createJob('docs', [{ repository: 'org/repo', branches: ['main'], watchFiles: ['docs/**'] }]);
    await createJob('ci-config', [{ repository: 'org/repo', watchFiles: ['.github/**'] }]);
    await createJob('other-repo', [{ repository: 'org/other', watchFiles: ['**'] }]);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('triggers the jobs whose watchFiles match a multi-commit push, in one transaction with the delivery', async () => {
    const payload = githubPush({
      commits: [
        { message: 'add prompt', added: ['prompts/a.txt', 'prompts/README.md'] },
        { message: 'drop old', removed: ['services/api/old.ts'] },
        { message: 'tweak docs', modified: ['docs/guide.md'] },
      ],
    });
    const res = await deliver(app.baseUrl, payload);
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['delivery_id', 'status', 'triggered_jobs']);
    expect(res.body.status).toBe('ok');
    expect([...res.body.triggered_jobs].sort()).toEqual(['api-build', 'docs', 'prompts']);
    const execs = await executionsOf(res.body.delivery_id);
    expect(execs.map((e) => e.job_name)).toEqual(['api-build', 'docs', 'prompts']);
    for (const e of execs) {
      expect(e).toMatchObject({ trigger: 'webhook', trigger_ref: res.body.delivery_id, status: 'queued' });
    }
    expect(execs[2].params).toEqual({ sha: payload.after, branch: 'main', repo: 'org/repo' });
    const [row] = await query(app.db.url, 'SELECT * FROM webhook_deliveries WHERE id = $1', [res.body.delivery_id]);
    expect(row).toMatchObject({
      outcome: 'triggered',
      changed_file_count: 4,
      response_code: 200,
      ref: 'refs/heads/main',
    });
    expect(row.changed_files).toEqual(['docs/guide.md', 'prompts/README.md', 'prompts/a.txt', 'services/api/old.ts']);
  });

  it('answers on the ToyCI path POST /webhook too', async () => {
    const res = await deliver(app.baseUrl, githubPush({ commits: [{ added: ['.github/workflows/ci.yml'] }] }), {
      path: '/webhook',
    });
    expect(res.status).toBe(200);
    expect(res.body.triggered_jobs).toEqual(['ci-config']);
  });

  it('branch filters are globs where * does not cross /', async () => {
    const push = (ref: string) => githubPush({ ref, commits: [{ modified: ['prompts/x.txt', 'docs/a.md'] }] });
    expect((await deliver(app.baseUrl, push('refs/heads/release/1.2'))).body.triggered_jobs).toEqual(['prompts']);
    expect((await deliver(app.baseUrl, push('refs/heads/release/1/2'))).body.triggered_jobs).toEqual([]);
    expect((await deliver(app.baseUrl, push('refs/heads/feature'))).body.triggered_jobs).toEqual([]);
  });

  it('a tag push runs the triggers without branch filters (paths are not evaluated for tags) and says why', async () => {
    const res = await deliver(app.baseUrl, githubPush({ ref: 'refs/tags/v1.0.0', created: true, commits: [] }));
    expect(res.status).toBe(200);
    expect([...res.body.triggered_jobs].sort()).toEqual(['api-build', 'ci-config']);
    const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
    expect(detail.body.outcome).toBe('triggered');
    expect(detail.body.matches.find((m: WebhookJobMatch) => m.jobName === 'prompts').reason).toBe(
      'tag push: the trigger filters branches only (branches)',
    );
  });

  it('a branch deletion triggers nothing', async () => {
    const res = await deliver(app.baseUrl, githubPush({ deleted: true, commits: [] }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ triggered_jobs: [], skipped: 'branch deleted' });
    expect(await executionsOf(res.body.delivery_id)).toEqual([]);
  });

  it('2,048 commits (truncated list) match every watched job of the repository and record why', async () => {
    const commits = Array.from({ length: 2048 }, (_, i) => ({
      message: `c${i}`,
      modified: [`unrelated/f${i % 7}.txt`],
    }));
    const res = await deliver(app.baseUrl, githubPush({ commits }));
    expect(res.status).toBe(200);
    expect([...res.body.triggered_jobs].sort()).toEqual(['api-build', 'ci-config', 'docs', 'prompts']);
    const [row] = await query(app.db.url, 'SELECT untrusted_reason FROM webhook_deliveries WHERE id = $1', [
      res.body.delivery_id,
    ]);
    expect(row.untrusted_reason).toContain('2048 commits');
  });

  it('a forced push and a new branch without commits are untrusted too', async () => {
    const forced = await deliver(app.baseUrl, githubPush({ forced: true, commits: [{ modified: ['unrelated.txt'] }] }));
    expect(forced.body.triggered_jobs).toHaveLength(4);
    const created = await deliver(app.baseUrl, githubPush({ created: true, commits: [] }));
    expect(created.body.triggered_jobs).toHaveLength(4);
  });

  it.each(['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]', '[SKIP CI]', '[Actions Skip]'])(
    'skips a push whose head commit says %s',
    async (marker) => {
      const res = await deliver(
        app.baseUrl,
        githubPush({
          commits: [{ added: ['prompts/a.txt'] }, { message: `docs: tweak ${marker}`, added: ['prompts/b.txt'] }],
        }),
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'ok', triggered_jobs: [], skipped: marker.toLowerCase() });
      expect(await executionsOf(res.body.delivery_id)).toEqual([]);
      const [row] = await query(app.db.url, 'SELECT outcome, skip_reason FROM webhook_deliveries WHERE id = $1', [
        res.body.delivery_id,
      ]);
      expect(row).toEqual({ outcome: 'skipped', skip_reason: marker.toLowerCase() });
    },
  );

  it('skips on a skip-checks: true trailer, but only in the head commit', async () => {
    const trailer = await deliver(
      app.baseUrl,
      githubPush({ commits: [{ message: 'x\n\nskip-checks: true', added: ['prompts/a.txt'] }] }),
    );
    expect(trailer.body.skipped).toBe('skip-checks: true');
    const older = await deliver(
      app.baseUrl,
      githubPush({
        commits: [
          { message: 'old [skip ci]', added: ['prompts/a.txt'] },
          { message: 'new', added: ['prompts/b.txt'] },
        ],
      }),
    );
    expect(older.body.skipped).toBeUndefined();
    expect(older.body.triggered_jobs).toEqual(['prompts']);
  });

  it('a redelivery answers the first result with duplicate: true and triggers nothing new', async () => {
    const id = randomUUID();
    const payload = githubPush({ commits: [{ added: ['prompts/r.txt'] }] });
    const first = await deliver(app.baseUrl, payload, { id });
    expect(first.body.triggered_jobs).toEqual(['prompts']);
    const again = await deliver(app.baseUrl, payload, { id });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, duplicate: true });
    expect(await executionsOf(first.body.delivery_id)).toHaveLength(1);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_key = $1', [id])).toBe(1);
    const [row] = await query(app.db.url, 'SELECT duplicate_count FROM webhook_deliveries WHERE delivery_key = $1', [
      id,
    ]);
    expect(row.duplicate_count).toBe(1);
  });

  it('concurrent identical deliveries create one delivery and one set of executions', async () => {
    const id = randomUUID();
    const payload = githubPush({ commits: [{ added: ['prompts/c.txt', 'services/api/x.ts'] }] });
    const replies = await Promise.all(Array.from({ length: 8 }, () => deliver(app.baseUrl, payload, { id })));
    expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(replies.map((r) => r.body.delivery_id)).size).toBe(1);
    expect(replies.filter((r) => !r.body.duplicate)).toHaveLength(1);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_key = $1', [id])).toBe(1);
    expect((await executionsOf(replies[0].body.delivery_id)).map((e) => e.job_name)).toEqual(['api-build', 'prompts']);
  });

  it('rejects a bad or missing signature with 401 and stores nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM webhook_deliveries');
    const execsBefore = await count('SELECT count(*) AS n FROM executions');
    const payload = githubPush({ commits: [{ added: ['prompts/evil.txt'] }] });
    const wrong = await deliver(app.baseUrl, payload, { secret: 'not-the-secret' });
    expect(wrong).toEqual({ status: 401, body: { status: 'error', message: 'Invalid signature' } });
    const missing = await deliver(app.baseUrl, payload, { signature: null });
    expect(missing).toEqual({ status: 401, body: { status: 'error', message: 'Missing signature' } });
    const tampered = JSON.stringify(payload);
    const res = await deliver(app.baseUrl, tampered.replace('evil', 'evil2'), { signature: sign(tampered) });
    expect(res.status).toBe(401);
    const sha1Only = await deliver(app.baseUrl, payload, {
      signature: null,
      headers: { 'x-hub-signature': 'sha1=abc' },
    });
    expect(sha1Only.status).toBe(401);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries')).toBe(before);
    expect(await count('SELECT count(*) AS n FROM executions')).toBe(execsBefore);
  });

  it('answers 400 on invalid JSON (after the signature) and on an unknown provider', async () => {
    const bad = await deliver(app.baseUrl, '{"ref": "refs/heads/main", oops');
    expect(bad).toEqual({ status: 400, body: { status: 'error', message: 'Invalid JSON payload' } });
    const res = await fetch(`${app.baseUrl}/api/v1/webhooks/github`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bitbucket-event': 'push' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect((await res.json()).message).toContain('Unknown webhook provider');
    const noRef = await deliver(app.baseUrl, { repository: { full_name: 'org/repo' } });
    expect(noRef.status).toBe(400);
    expect(noRef.body.message).toContain('ref');
  });

  it('accepts a 3 MB delivery (beyond the 1 MB JSON limit) and answers 413 over 25 MB', async () => {
    const files = Array.from({ length: 2900 }, (_, i) => `prompts/${'x'.repeat(1000)}/${i}.txt`);
    const big = await deliver(app.baseUrl, githubPush({ commits: [{ added: files }] }));
    expect(big.status).toBe(200);
    expect(big.body.triggered_jobs).toEqual(['prompts']);
    const huge = Buffer.alloc(26 * 1024 * 1024, 0x20);
    const res = await deliver(app.baseUrl, huge, { signature: 'sha256=' + '0'.repeat(64) });
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ status: 'error', message: 'Payload too large' });
  });

  it('ping → 200; other events → 202 recorded as ignored', async () => {
    const ping = await deliver(
      app.baseUrl,
      { zen: 'Keep it logically awesome.', hook_id: 1, repository: { full_name: 'org/repo' } },
      {
        event: 'ping',
      },
    );
    expect(ping.status).toBe(200);
    expect(ping.body).toMatchObject({ status: 'ok', triggered_jobs: [] });
    const issues = await deliver(
      app.baseUrl,
      { action: 'opened', repository: { full_name: 'org/repo' } },
      { event: 'issues' },
    );
    expect(issues.status).toBe(202);
    expect(issues.body.ignored).toContain('issues');
    const [row] = await query(
      app.db.url,
      'SELECT outcome, event, response_code FROM webhook_deliveries WHERE id = $1',
      [issues.body.delivery_id],
    );
    expect(row).toEqual({ outcome: 'ignored', event: 'issues', response_code: 202 });
  });

  it('GitLab pushes (X-Gitlab-Token) and Gitea pushes (X-Gitea-Signature) go through the same pipeline', async () => {
    await createJob('gl-api', [{ provider: 'gitlab', repository: 'org/repo', watchFiles: ['services/api/**'] }]);
    await createJob('gt-docs', [
      { provider: 'gitea', repository: 'org/repo', branches: ['main'], watchFiles: ['docs/**'] },
    ]);
    const gitlab = {
      object_kind: 'push',
      event_name: 'push',
      before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
      after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      ref: 'refs/heads/main',
      checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
      user_username: 'jsmith',
      project: { id: 15, name: 'repo', path_with_namespace: 'org/repo', default_branch: 'main' },
      commits: [
        {
          id: 'b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327',
          message: 'Update api',
          added: [],
          modified: ['services/api/main.ts'],
          removed: [],
        },
        {
          id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
          message: 'fixed readme',
          added: [],
          modified: ['README.md'],
          removed: [],
        },
      ],
      total_commits_count: 2,
      repository: { name: 'repo', homepage: 'http://example.com/org/repo' },
    };
    const send = (path: string, body: string, headers: Record<string, string>) =>
      fetch(app.baseUrl + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const glBody = JSON.stringify(gitlab);
    const gl = await send('/api/v1/webhooks/gitlab', glBody, {
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': WEBHOOK_TEST_SECRET,
      'x-gitlab-event-uuid': randomUUID(),
    });
    expect(gl.status).toBe(200);
    expect((await gl.json()).triggered_jobs).toEqual(['gl-api']);
    const glBad = await send('/api/v1/webhooks/gitlab', glBody, {
      'x-gitlab-event': 'Push Hook',
      'x-gitlab-token': 'nope',
    });
    expect(glBad.status).toBe(401);

    const gitea = githubPush({ commits: [{ modified: ['docs/x.md'] }] });
    delete gitea.created;
    delete gitea.deleted;
    delete gitea.forced;
    const gtBody = JSON.stringify(gitea);
    const hex = sign(gtBody).slice('sha256='.length);
    const gt = await send('/api/v1/webhooks/gitea', gtBody, {
      'x-gitea-event': 'push',
      'x-github-event': 'push',
      'x-gitea-delivery': randomUUID(),
      'x-gitea-signature': hex,
    });
    expect(gt.status).toBe(200);
    const gtJson = await gt.json();
    expect(gtJson.triggered_jobs).toEqual(['gt-docs']);
    const [row] = await query(app.db.url, 'SELECT provider FROM webhook_deliveries WHERE id = $1', [
      gtJson.delivery_id,
    ]);
    expect(row.provider).toBe('gitea');
    const forgejoBad = await send('/api/v1/webhooks/gitea', gtBody, {
      'x-forgejo-event': 'push',
      'x-forgejo-signature': hex.replace(/^./, hex[0] === 'a' ? 'b' : 'a'),
    });
    expect(forgejoBad.status).toBe(401);
  });

  it('writes plain runs together and keeps enqueue semantics for fan-out, overlap skip and bad params', async () => {
    const post = async (def: Record<string, unknown>) =>
      expect((await app.api('POST', '/api/v1/jobs', def)).status).toBe(201);
    const github = [{ repository: 'org/repo', watchFiles: ['mixed/**'] }];
    await post({ name: 'mx-plain', executor: { kind: 'http', url: 'http://127.0.0.1:9/a' }, triggers: { github } });
    await post({
      name: 'mx-fan',
      executor: { kind: 'http', url: 'http://127.0.0.1:9/b' },
      params: [{ name: 'dev', type: 'string[]', fanOut: true, default: ['d1', 'd2', 'd3'] }],
      triggers: { github },
    });
    await post({
      name: 'mx-skip',
      executor: { kind: 'http', url: 'http://127.0.0.1:9/c' },
      concurrency: { max: 1, overlap: 'skip' },
      triggers: { github },
    });
    await post({
      name: 'mx-bad',
      executor: { kind: 'http', url: 'http://127.0.0.1:9/d' },
      params: [{ name: 'n', type: 'number', required: true }],
      triggers: { github: [{ ...github[0], params: { n: 'not-a-number' } }] },
    });
    const res = await deliver(app.baseUrl, githubPush({ commits: [{ added: ['mixed/x.txt'] }] }));
    expect(res.status).toBe(200);
    expect([...res.body.triggered_jobs].sort()).toEqual(['mx-fan', 'mx-plain', 'mx-skip']);
    const rows = await executionsOf(res.body.delivery_id);
    expect(rows.map((r) => `${r.job_name}:${r.status}`).sort()).toEqual([
      'mx-fan:running',
      'mx-plain:queued',
      'mx-skip:queued',
    ]);
    const [fan] = await query<{ children_total: number; n: string }>(
      app.db.url,
      `SELECT p.children_total, (SELECT count(*) FROM executions c WHERE c.parent_id = p.id) AS n
         FROM executions p WHERE p.delivery_id = $1 AND p.job_name = 'mx-fan'`,
      [res.body.delivery_id],
    );
    expect(fan).toEqual({ children_total: 3, n: '3' });
    const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
    const bad = detail.body.matches.find((m: { jobName: string }) => m.jobName === 'mx-bad');
    expect(bad.error).toMatch(/n/);
    // A second push while mx-skip's run is still queued: recorded as skipped, the others queue again.
    const again = await deliver(app.baseUrl, githubPush({ commits: [{ added: ['mixed/y.txt'] }] }));
    const second = await executionsOf(again.body.delivery_id);
    expect(second.find((r) => r.job_name === 'mx-skip')?.status).toBe('skipped');
    expect(second.find((r) => r.job_name === 'mx-plain')?.status).toBe('queued');
    for (const name of ['mx-plain', 'mx-fan', 'mx-skip', 'mx-bad']) await app.api('DELETE', `/api/v1/jobs/${name}`);
  });

  it('rolls back the delivery row and every execution when one enqueue fails', async () => {
    // Named to sort last: 'prompts' is enqueued (inserted) first, then this one fails.
    await createJob('zz-explodes', [{ repository: 'org/repo', watchFiles: ['prompts/**'] }]);
    // A real database failure inside the transaction, after the delivery insert.
    await query(
      app.db.url,
      `CREATE FUNCTION apm_test_explode() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.job_name = 'zz-explodes' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$`,
    );
    await query(
      app.db.url,
      `CREATE TRIGGER apm_test_explode BEFORE INSERT ON executions FOR EACH ROW EXECUTE FUNCTION apm_test_explode()`,
    );
    const id = randomUUID();
    const payload = githubPush({ commits: [{ added: ['prompts/t.txt'] }] });
    const execsBefore = await count('SELECT count(*) AS n FROM executions');
    const failed = await deliver(app.baseUrl, payload, { id });
    expect(failed.status).toBe(500);
    expect(await count('SELECT count(*) AS n FROM executions')).toBe(execsBefore);
    expect(await count('SELECT count(*) AS n FROM webhook_deliveries WHERE delivery_key = $1', [id])).toBe(0);
    expect(
      await count(
        `SELECT count(*) AS n FROM executions e WHERE e.delivery_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id = e.delivery_id)`,
      ),
    ).toBe(0);
    // Nothing was stored, so GitHub's redelivery is processed normally once the fault is gone.
    await query(app.db.url, 'DROP TRIGGER apm_test_explode ON executions');
    const retried = await deliver(app.baseUrl, payload, { id });
    expect(retried.status).toBe(200);
    expect(retried.body.duplicate).toBeUndefined();
    expect([...retried.body.triggered_jobs].sort()).toEqual(['prompts', 'zz-explodes']);
    expect(await executionsOf(retried.body.delivery_id)).toHaveLength(2);
    await app.api('DELETE', '/api/v1/jobs/zz-explodes');
  });
});
