import { createHmac, randomUUID } from 'node:crypto';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import type { WebhookJobMatch, WebhookReceiveResponse } from '@api-manager/contracts';

// GitHub Actions' on.push rules through the real server: save-time validation of filter patterns,
// tags through the receiver (GitHub and GitLab "Tag Push Hook"), providers kept apart, Gitea commits
// without file lists.

const ENV = {
  APP_SECRET: 'webhooks-github-rules-test-secret-0123456789',
  WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
  WORKERS_ENABLED: 'false',
  SCHEDULER_ENABLED: 'false',
  LOG_LEVEL: 'error',
};

const hex = (body: string) => createHmac('sha256', WEBHOOK_TEST_SECRET).update(body).digest('hex');

describe('GitHub trigger rules', () => {
  let app: TestApp;
  const job = (name: string, github: unknown[]) => ({
    name,
    executor: { kind: 'http', url: 'http://127.0.0.1:9/run' },
    triggers: { github },
  });
  const createJob = async (name: string, github: unknown[]) => {
    const res = await app.api('POST', '/api/v1/jobs', job(name, github));
    expect(res.status).toBe(201);
  };
  const send = async (path: string, body: unknown, headers: Record<string, string>) => {
    const res = await app.api<WebhookReceiveResponse>('POST', path, body, headers);
    return { status: res.status, body: res.body };
  };
  const gitlab = (body: Record<string, unknown>, event = 'Push Hook') =>
    send('/api/v1/webhooks/gitlab', body, {
      'x-gitlab-event': event,
      'x-gitlab-token': WEBHOOK_TEST_SECRET,
      'x-gitlab-event-uuid': randomUUID(),
    });
  const gitea = (body: Record<string, unknown>, path = '/api/v1/webhooks/gitea') =>
    send(path, body, {
      'x-gitea-event': 'push',
      'x-github-event': 'push',
      'x-gitea-delivery': randomUUID(),
      'x-gitea-signature': hex(JSON.stringify(body)),
    });
  const gitlabPush = (ref: string, files: string[]) => ({
    object_kind: ref.startsWith('refs/tags/') ? 'tag_push' : 'push',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    ref,
    checkout_sha: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
    user_username: 'jsmith',
    project: { id: 15, name: 'shared', path_with_namespace: 'org/shared' },
    commits: [
      {
        id: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7',
        message: 'change',
        added: [],
        modified: files,
        removed: [],
      },
    ],
    total_commits_count: 1,
  });

  beforeAll(async () => {
    app = await startTestApp(ENV);
    // The same owner/name on three forges.
    await createJob('gh-shared', [{ repository: 'org/shared', watchFiles: ['src/**'] }]);
    await createJob('gl-shared', [{ provider: 'gitlab', repository: 'org/shared', watchFiles: ['src/**'] }]);
    await createJob('gt-shared', [{ provider: 'gitea', repository: 'org/shared', watchFiles: ['src/**'] }]);
    // Tags.
    await createJob('release', [{ repository: 'org/tags', tags: ['v[0-9]+.[0-9]+.[0-9]+', '!v*-rc*'] }]);
    await createJob('main-only', [{ repository: 'org/tags', branches: ['main'], watchFiles: ['src/**'] }]);
    await createJob('any-ref', [{ repository: 'org/tags', watchFiles: ['src/**'] }]);
    await createJob('gl-release', [{ provider: 'gitlab', repository: 'org/shared', tags: ['v*'] }]);
  });
  afterAll(async () => {
    await app?.close();
  });

  describe('save-time validation', () => {
    it('POST refuses braces, extglobs, bad sets and negation-only lists with 400 naming the pattern and field', async () => {
      const res = await app.api(
        'POST',
        '/api/v1/jobs',
        job('bad-patterns', [
          {
            repository: 'org/repo',
            branches: ['!main'],
            tags: ['@(v1|v2)'],
            watchFiles: ['{api,web}/**', 'src/[abc', '+(x|y)/*'],
          },
        ]),
      );
      expect(res.status).toBe(400);
      const text = JSON.stringify(res.body);
      expect(text).toContain('triggers.github.0.watchFiles.0: invalid pattern \\"{api,web}/**\\": braces');
      expect(text).toContain('triggers.github.0.watchFiles.1: invalid pattern \\"src/[abc\\"');
      expect(text).toContain('triggers.github.0.watchFiles.2: invalid pattern \\"+(x|y)/*\\": extglob');
      expect(text).toContain('triggers.github.0.tags.0: invalid pattern \\"@(v1|v2)\\": extglob');
      expect(text).toContain('triggers.github.0.branches has only negated patterns');
      expect(await query(app.db.url, "SELECT 1 FROM jobs WHERE name = 'bad-patterns'")).toEqual([]);
    });

    it('POST refuses branches with branchesIgnore, tags with tagsIgnore, and an unknown provider', async () => {
      const both = await app.api(
        'POST',
        '/api/v1/jobs',
        job('both-lists', [{ repository: 'org/repo', branches: ['main'], branchesIgnore: ['dev'] }]),
      );
      expect(both.status).toBe(400);
      expect(JSON.stringify(both.body)).toContain('triggers.github.0: use either branches or branchesIgnore, not both');
      const provider = await app.api(
        'POST',
        '/api/v1/jobs',
        job('bad-provider', [{ provider: 'bitbucket', repository: 'org/repo' }]),
      );
      expect(provider.status).toBe(400);
      expect(JSON.stringify(provider.body)).toContain('provider must be one of github, gitlab, gitea');
    });

    it('PATCH refuses an invalid pattern and leaves the stored job as it was', async () => {
      await createJob('patch-me', [{ repository: 'org/repo', watchFiles: ['src/**'] }]);
      const res = await app.api('PATCH', '/api/v1/jobs/patch-me', {
        triggers: { github: [{ repository: 'org/repo', watchFiles: ['src/**/*.{ts,js}'] }] },
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain('triggers.github.0.watchFiles.0: invalid pattern');
      const got = await app.api('GET', '/api/v1/jobs/patch-me');
      expect(got.body.triggers.github[0].watchFiles).toEqual(['src/**']);
    });

    it('config/apply (and its dry run) refuses with the file path of the pattern', async () => {
      const yaml = [
        'version: 1',
        'jobs:',
        '  - name: from-yaml',
        "    executor: { kind: http, url: 'http://127.0.0.1:9/run' }",
        "    triggers: { github: [{ repository: org/repo, watchFiles: ['docs/**', '!(*.md)'] }] }",
        '',
      ].join('\n');
      for (const qs of ['?dryRun=true', '']) {
        const res = await fetch(`${app.baseUrl}/api/v1/config/apply${qs}`, {
          method: 'POST',
          headers: { 'content-type': 'application/yaml', ...app.authHeaders },
          body: yaml,
        });
        expect(res.status).toBe(400);
        const text = await res.text();
        expect(text).toContain('jobs[0].triggers.github[0].watchFiles[1]: invalid pattern \\"!(*.md)\\": extglob');
      }
      expect(await query(app.db.url, "SELECT 1 FROM jobs WHERE name = 'from-yaml'")).toEqual([]);
    });

    it('accepts every form GitHub documents and stores them as given', async () => {
      const trigger = {
        provider: 'gitea',
        repository: 'org/repo',
        branchesIgnore: ['wip/**', 'dependabot/**'],
        tags: ['v[12].[0-9]+.[0-9]+', '!v*-beta'],
        watchFiles: ['*.jsx?', '**/docs/**', 'c\\+\\+/**', '!**/*.md', 'README*'],
      };
      await createJob('all-forms', [trigger]);
      const got = await app.api('GET', '/api/v1/jobs/all-forms');
      expect(got.body.triggers.github[0]).toMatchObject(trigger);
    });
  });

  describe('through the receiver', () => {
    it('a GitHub tag push runs tag-filtered and unfiltered triggers, never branch-only ones, without path filters', async () => {
      const push = githubPush({ repository: 'org/tags', ref: 'refs/tags/v1.2.3', created: true, commits: [] });
      const res = await deliver(app.baseUrl, push);
      expect(res.status).toBe(200);
      expect([...res.body.triggered_jobs].sort()).toEqual(['any-ref', 'release']);
      const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
      const reason = (name: string) => detail.body.matches.find((m: WebhookJobMatch) => m.jobName === name).reason;
      expect(reason('release')).toBe('tag v1.2.3 matches tags pattern "v[0-9]+.[0-9]+.[0-9]+"');
      expect(reason('main-only')).toBe('tag push: the trigger filters branches only (branches)');
      expect(reason('any-ref')).toBe('tag push: no branch or tag filters; watchFiles are not evaluated for tag pushes');
      const rc = await deliver(
        app.baseUrl,
        githubPush({ repository: 'org/tags', ref: 'refs/tags/v1.2.3-rc1', created: true, commits: [] }),
      );
      expect(rc.body.triggered_jobs).toEqual(['any-ref']);
      // A branch push never runs the tag-only trigger.
      const branch = await deliver(
        app.baseUrl,
        githubPush({ repository: 'org/tags', commits: [{ modified: ['src/a.ts'] }] }),
      );
      expect([...branch.body.triggered_jobs].sort()).toEqual(['any-ref', 'main-only']);
    });

    it('a GitLab "Tag Push Hook" follows the same rules', async () => {
      const res = await gitlab(gitlabPush('refs/tags/v2.0.0', []), 'Tag Push Hook');
      expect(res.status).toBe(200);
      expect(res.body.triggered_jobs).toEqual(['gl-release', 'gl-shared'].sort());
      const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
      expect(detail.body.matches.find((m: WebhookJobMatch) => m.jobName === 'gh-shared').reason).toBe(
        'the delivery comes from gitlab, the trigger is for github',
      );
    });

    it('the same owner/name on GitHub, GitLab and Gitea triggers only its own forge’s jobs', async () => {
      const gh = await deliver(
        app.baseUrl,
        githubPush({ repository: 'org/shared', commits: [{ modified: ['src/a.ts'] }] }),
      );
      expect(gh.body.triggered_jobs).toEqual(['gh-shared']);
      const gl = await gitlab(gitlabPush('refs/heads/main', ['src/a.ts']));
      expect(gl.body.triggered_jobs).toEqual(['gl-shared']);
      const gt = await gitea(githubPush({ repository: 'org/shared', commits: [{ modified: ['src/a.ts'] }] }));
      expect(gt.status).toBe(200);
      expect(gt.body.triggered_jobs).toEqual(['gt-shared']);
    });

    it('each forge’s path accepts only that forge; /webhooks/receive takes any', async () => {
      const giteaBody = githubPush({ repository: 'org/shared', commits: [{ modified: ['src/b.ts'] }] });
      const onGithub = await gitea(giteaBody, '/api/v1/webhooks/github');
      expect(onGithub.status).toBe(400);
      expect(onGithub.body.message).toContain('accepts GitHub deliveries only; this is a Gitea/Forgejo delivery');
      const onToyci = await gitea(giteaBody, '/webhook');
      expect(onToyci.status).toBe(400);
      const ghOnGitea = await send('/api/v1/webhooks/gitea', giteaBody, {
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': 'sha256=' + hex(JSON.stringify(giteaBody)),
      });
      expect(ghOnGitea.status).toBe(400);
      expect(ghOnGitea.body.message).toContain('accepts Gitea/Forgejo deliveries only; this is a GitHub delivery');
      const glOnGitea = await send('/api/v1/webhooks/gitea', gitlabPush('refs/heads/main', ['src/a.ts']), {
        'x-gitlab-event': 'Push Hook',
        'x-gitlab-token': WEBHOOK_TEST_SECRET,
      });
      expect(glOnGitea.status).toBe(400);
      const generic = await gitea(giteaBody, '/api/v1/webhooks/receive');
      expect(generic.status).toBe(200);
      expect(generic.body.triggered_jobs).toEqual(['gt-shared']);
    });

    it('Gitea commits without added/modified/removed lists run every watching job, with the reason', async () => {
      // Gitea's documented push example: commits carry id, message, url, author, committer, timestamp only.
      const body = {
        ref: 'refs/heads/develop',
        before: '28e1879d029cb852e4844d9c718537df08844e03',
        after: 'bffeb74224043ba2feb48d137756c8a9331c449a',
        compare_url: 'http://localhost:3000/gitea/webhooks/compare/28e18...bffeb',
        commits: [
          {
            id: 'bffeb74224043ba2feb48d137756c8a9331c449a',
            message: 'Webhooks Yay!',
            url: 'http://localhost:3000/gitea/webhooks/commit/bffeb74224043ba2feb48d137756c8a9331c449a',
            author: { name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
            committer: { name: 'Gitea', email: 'someone@gitea.io', username: 'gitea' },
            timestamp: '2017-03-13T13:52:11-04:00',
          },
        ],
        repository: {
          id: 140,
          owner: { id: 1, login: 'org', full_name: 'org', username: 'org' },
          name: 'shared',
          full_name: 'org/shared',
          clone_url: 'http://localhost:3000/org/shared.git',
        },
        pusher: { id: 1, login: 'gitea', username: 'gitea' },
        sender: { id: 1, login: 'gitea', username: 'gitea' },
      };
      const res = await gitea(body);
      expect(res.status).toBe(200);
      expect(res.body.triggered_jobs).toEqual(['gt-shared']);
      const detail = await app.api('GET', `/api/v1/webhooks/deliveries/${res.body.delivery_id}`);
      expect(detail.body.untrustedReason).toBe(
        'commit bffeb7422404 has no added/modified/removed lists: the changed files are unknown',
      );
      expect(detail.body.matches.find((m: WebhookJobMatch) => m.jobName === 'gt-shared').reason).toBe(
        'every watched job matches: commit bffeb7422404 has no added/modified/removed lists: the changed files are unknown',
      );
    });
  });
});
