import { startTestApp, type TestApp } from './helpers/app.js';
import { login, TEST_ADMIN_PASSWORD } from './helpers/auth.js';

/** Issue 20: change my password, an admin's reset of another user's password, no self-lockout. */
describe('passwords and self-protection', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp();
  });
  afterAll(async () => {
    await app?.close();
  });

  const me = (cookie: string) => app.api('GET', '/api/v1/auth/me', undefined, { cookie });
  const auditOf = async (action: string) =>
    (await app.api('GET', `/api/v1/audit?action=${action}`)).body.items as Array<{
      targetId: string;
      actor: { name: string };
    }>;

  it('changes my own password: checks the current one, keeps this session, ends the others, audits', async () => {
    await app.api('POST', '/api/v1/users', { username: 'erin', password: 'erin-password-1', role: 'operator' });
    const a = await login(app.baseUrl, 'erin', 'erin-password-1');
    const b = await login(app.baseUrl, 'erin', 'erin-password-1');

    const wrong = await app.api(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: 'not-my-password', newPassword: 'erin-password-2' },
      a.headers,
    );
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body.message)).toContain('currentPassword');
    const short = await app.api(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: 'erin-password-1', newPassword: 'short' },
      a.headers,
    );
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.message)).toContain('newPassword');

    const ok = await app.api(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: 'erin-password-1', newPassword: 'erin-password-2' },
      a.headers,
    );
    expect(ok.status).toBe(204);
    expect((await me(a.cookie)).status).toBe(200);
    expect((await me(b.cookie)).status).toBe(401);
    const oldLogin = await fetch(`${app.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'erin', password: 'erin-password-1' }),
    });
    expect(oldLogin.status).toBe(401);
    await login(app.baseUrl, 'erin', 'erin-password-2');
    const events = await auditOf('user.password_change');
    expect(events[0]?.actor.name).toBe('erin');
  });

  it("lets an admin reset another user's password: ends that user's sessions, audits without the password", async () => {
    const created = await app.api('POST', '/api/v1/users', {
      username: 'vic',
      password: 'vic-password-1',
      role: 'viewer',
    });
    const s = await login(app.baseUrl, 'vic', 'vic-password-1');
    const short = await app.api('PATCH', `/api/v1/users/${created.body.id}`, { password: 'short' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.message)).toContain('password');

    const reset = await app.api('PATCH', `/api/v1/users/${created.body.id}`, { password: 'vic-password-2' });
    expect(reset.status).toBe(200);
    expect((await me(s.cookie)).status).toBe(401);
    await login(app.baseUrl, 'vic', 'vic-password-2');
    const events = await auditOf('user.password_reset');
    expect(events.map((e) => e.targetId)).toContain(created.body.id);
    const audit = JSON.stringify((await app.api('GET', '/api/v1/audit')).body);
    expect(audit).not.toContain('vic-password-2');
  });

  it('refuses to let an admin disable, demote, delete or reset (without the current password) their own account', async () => {
    await app.api('POST', '/api/v1/users', { username: 'ada', password: 'ada-password-1', role: 'admin' });
    const ada = await login(app.baseUrl, 'ada', 'ada-password-1');
    const users = (await app.api('GET', '/api/v1/users')).body.items as Array<{ id: string; username: string }>;
    const adaId = users.find((u) => u.username === 'ada')!.id;
    const adminId = users.find((u) => u.username === 'admin')!.id;

    const cases: Array<[string, unknown, string]> = [
      ['PATCH', { disabled: true }, 'disabled'],
      ['PATCH', { role: 'viewer' }, 'role'],
      ['PATCH', { password: 'ada-password-9' }, 'password'],
      ['DELETE', undefined, 'own account'],
    ];
    for (const [method, body, word] of cases) {
      const res = await app.api(method, `/api/v1/users/${adaId}`, body, ada.headers);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(word);
    }
    const after = (await app.api('GET', '/api/v1/users')).body.items.find((u: { id: string }) => u.id === adaId);
    expect(after).toMatchObject({ role: 'admin', disabled: false });
    expect((await me(ada.cookie)).status).toBe(200);
    // renaming oneself is fine; another admin may disable ada
    expect((await app.api('PATCH', `/api/v1/users/${adaId}`, { displayName: 'Ada L.' }, ada.headers)).status).toBe(200);
    expect((await app.api('PATCH', `/api/v1/users/${adaId}`, { disabled: true })).status).toBe(200);
    // and the first admin still signs in
    await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    expect(adminId).toBeTruthy();
  });
});
