import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { query } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import { runHelpers } from './helpers/runs.js';

// Templates: push.* wherever a run has a push (HTTP jobs, their fan-out children and chain steps);
// an unknown variable is a 400 naming template and variable at save time, and a failed run with the
// reason (never an empty string) at render time.

let app: TestApp;
let target: HttpTarget;

const { finished } = runHelpers(() => app, 15_000);

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', WEBHOOK_SECRET: WEBHOOK_TEST_SECRET, WORKER_POLL_MS: '100' });
  target.on('/docs', (_req, res) => res.end('ok'));
  target.on('/notify', (_req, res) => res.end('ok'));
});

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('templates: push.*', () => {
  it('an HTTP job triggered by a push sends push.after (toyci docs job); its chain step sees the push too', async () => {
    // (the chain target first: a step must name a job that exists)
    expect(
      (
        await app.api('POST', '/api/v1/jobs', {
          name: 'notify',
          executor: {
            kind: 'http',
            url: `${target.url}/notify`,
            query: { c: '{{ params.commit }}', p: '{{ params.parent }}' },
          },
          params: [
            { name: 'commit', type: 'string' },
            { name: 'parent', type: 'string' },
          ],
        })
      ).status,
    ).toBe(201);
    const created = await app.api('POST', '/api/v1/jobs', {
      name: 'docs',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${target.url}/docs`,
        body: { commit: '{{ push.after }}', branch: '{{ push.branch }}' },
      },
      triggers: { github: [{ repository: 'org/toy', branches: ['main'], watchFiles: ['docs/**'] }] },
      onSuccess: [{ job: 'notify', params: { commit: '{{ push.after }}', parent: '{{ parent.status }}' } }],
    });
    expect(created.status).toBe(201);
    const push = githubPush({ repository: 'org/toy', commits: [{ message: 'docs', modified: ['docs/a.md'] }] });
    const res = await deliver(app.baseUrl, push);
    expect(res.body.triggered_jobs).toEqual(['docs']);
    const [row] = await query<{ id: string }>(app.db.url, 'SELECT id FROM executions WHERE delivery_id = $1', [
      res.body.delivery_id,
    ]);
    const d = await finished(row.id);
    expect(d.status).toBe('succeeded');
    expect(JSON.parse(target.hits('/docs').at(-1)!.body)).toEqual({ commit: push.after, branch: 'main' });
    await waitFor(() => target.hits('/notify').length === 1, 10_000, 'the chain step');
    expect(target.hits('/notify')[0].url).toBe(`/notify?c=${push.after}&p=succeeded`);
  });

  it('a run without a push fails with the reason instead of sending an empty commit', async () => {
    const run = await app.api('POST', '/api/v1/jobs/docs/runs', {});
    expect(run.status).toBe(202);
    const before = target.hits('/docs').length;
    const d = await finished(run.body.execution.id);
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/undefined variable: push.*this run has no push/);
    expect(target.hits('/docs')).toHaveLength(before);
  });

  it('render preview: push.* from the given push; without one the reason; an unknown push field is a 400', async () => {
    const ok = await app.api('POST', '/api/v1/jobs/docs/render', { push: { after: 'abc1234', branch: 'main' } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.request.body)).toEqual({ commit: 'abc1234', branch: 'main' });
    const none = await app.api('POST', '/api/v1/jobs/docs/render', {});
    expect(none.status).toBe(400);
    expect(JSON.stringify(none.body.message)).toContain('this run has no push');
    const bad = await app.api('POST', '/api/v1/jobs/docs/render', { push: { commit: 'abc' } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('push.commit is not a push field');
  });

  it('save time: an unknown variable is a 400 naming the template and the variable; nothing is written', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [
        {
          name: 't1',
          executor: { kind: 'http', url: 'http://x/', method: 'POST', body: { commit: '{{ push.commit }}' } },
        },
        'executor.body.commit has a template error: unknown variable push.commit',
      ],
      [
        {
          name: 't2',
          executor: { kind: 'http', url: 'http://x/', query: { d: '{{ params.dya }}' } },
          params: [{ name: 'day', type: 'string' }],
        },
        'executor.query.d has a template error: unknown variable params.dya: the job declares no param dya',
      ],
      [
        {
          name: 't3',
          executor: { kind: 'http', url: 'http://x/' },
          onSuccess: [{ job: 'notify', params: { c: '{{ parent.parms.x }}' } }],
        },
        'onSuccess.0.params.c has a template error: unknown variable parent.parms.x',
      ],
      [
        { name: 't4', executor: { kind: 'http', url: 'http://x/', headers: { 'x-a': '{{ parent.id }}' } } },
        'executor.headers.x-a has a template error: unknown variable parent.id',
      ],
      [
        {
          name: 't5',
          executor: { kind: 'http', url: 'http://x/' },
          triggers: { github: [{ repository: 'org/toy', params: { n: '{{ params.n }}' } }] },
        },
        'triggers.github.0.params.n has a template error: unknown variable params.n',
      ],
    ];
    for (const [body, message] of cases) {
      const res = await app.api('POST', '/api/v1/jobs', body);
      expect({ name: body.name, status: res.status }).toEqual({ name: body.name, status: 400 });
      const messages: string[] = Array.isArray(res.body.message) ? res.body.message : [res.body.message];
      expect({ messages, ok: messages.some((m) => m.startsWith(message)) }).toEqual({ messages, ok: true });
    }
    const rows = await query(app.db.url, `SELECT count(*)::int AS n FROM jobs WHERE name ~ '^t[0-9]$'`);
    expect(rows[0].n).toBe(0);
  });
});
