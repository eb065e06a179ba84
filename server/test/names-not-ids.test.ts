import { startTestApp, type TestApp } from './helpers/app.js';
import { login } from './helpers/auth.js';

/** Issue 20: answers name users, tokens, jobs and schedules (ids stay for links). */
describe('names, not ids', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ SCHEDULER_ENABLED: 'false', LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("labels a run's trigger with the user's or token's name, and keeps the ref for links", async () => {
    const alice = await app.api('POST', '/api/v1/users', {
      username: 'alice',
      password: 'alice-password-1',
      role: 'operator',
    });
    const s = await login(app.baseUrl, 'alice', 'alice-password-1');
    const job = await app.api(
      'POST',
      '/api/v1/jobs',
      { name: 'nightly-report', executor: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/report' } },
      s.headers,
    );
    expect(job.status).toBe(201);
    const byUser = await app.api('POST', '/api/v1/jobs/nightly-report/runs', { params: {} }, s.headers);
    expect(byUser.status).toBe(202);
    expect(byUser.body.execution).toMatchObject({ triggerRef: `user:${alice.body.id}`, triggerName: 'alice' });

    const token = await app.api('POST', '/api/v1/tokens', { name: 'ci', scopes: ['read', 'run'] }, s.headers);
    expect(token.status).toBe(201);
    const byToken = await app.api(
      'POST',
      '/api/v1/jobs/nightly-report/runs',
      { params: {} },
      { authorization: `Bearer ${token.body.token}` },
    );
    expect(byToken.status).toBe(202);

    const list = (await app.api('GET', '/api/v1/executions?job=nightly-report')).body.items as Array<{
      id: string;
      triggerRef: string;
      triggerName: string;
    }>;
    const fromUser = list.find((e) => e.id === byUser.body.execution.id)!;
    const fromToken = list.find((e) => e.id === byToken.body.execution.id)!;
    expect(fromUser).toMatchObject({ triggerRef: `user:${alice.body.id}`, triggerName: 'alice' });
    expect(fromToken).toMatchObject({ triggerRef: `token:${token.body.id}`, triggerName: 'alice/ci' });
    const detail = (await app.api('GET', `/api/v1/executions/${fromToken.id}`)).body;
    expect(detail.triggerName).toBe('alice/ci');
  });

  it('names audit targets: jobs by name (even when addressed by id), users and tokens by current name', async () => {
    const job = await app.api('POST', '/api/v1/jobs', {
      name: 'audit-me',
      executor: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/x' },
    });
    expect((await app.api('PATCH', `/api/v1/jobs/${job.body.id}`, { title: 'Audit me' })).status).toBe(200);
    const user = await app.api('POST', '/api/v1/users', {
      username: 'bruno',
      password: 'bruno-password-1',
      role: 'viewer',
    });
    expect((await app.api('PATCH', `/api/v1/users/${user.body.id}`, { displayName: 'Bruno' })).status).toBe(200);
    const token = await app.api('POST', '/api/v1/tokens', { name: 'deploy-bot', scopes: ['read'] });
    expect((await app.api('DELETE', `/api/v1/tokens/${token.body.id}`)).status).toBe(204);

    const items = (await app.api('GET', '/api/v1/audit?limit=100')).body.items as Array<{
      action: string;
      targetId: string;
      targetName: string | null;
    }>;
    const of = (action: string, targetId: string) => items.find((e) => e.action === action && e.targetId === targetId);
    expect(of('job.create', job.body.id)?.targetName).toBe('audit-me');
    expect(of('job.update', job.body.id)?.targetName).toBe('audit-me');
    expect(of('user.update', user.body.id)?.targetName).toBe('bruno');
    expect(of('user.create', user.body.id)?.targetName).toBe('bruno');
    const revoked = items.find(
      (e) => e.action.startsWith('token.') && e.targetId === token.body.id && e.action !== 'token.create',
    );
    expect(revoked?.targetName).toMatch(/deploy-bot$/);
  });
});
