import { startTestApp, type TestApp } from './helpers/app.js';
import { login, TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { query } from './helpers/database.js';

describe('sessions, users, tokens and the audit log', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ LOGIN_MAX_PER_USER: '3', LOGIN_MAX_PER_IP: '8', LOGIN_WINDOW_SECONDS: '600' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('logs in with a HttpOnly SameSite=Strict cookie, a new session id each time, stored hashed', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'Admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('apm_session='))!;
    const csrf = cookies.find((c) => c.startsWith('apm_csrf='))!;
    expect(session).toMatch(/HttpOnly/i);
    expect(session).toMatch(/SameSite=Strict/i);
    expect(session).not.toMatch(/Secure/i); // plain http
    expect(csrf).not.toMatch(/HttpOnly/i);
    const body = (await res.json()) as { csrfToken: string; user: { username: string; role: string } };
    expect(body.user).toMatchObject({ username: 'admin', role: 'admin' });
    expect(csrf).toContain(`apm_csrf=${body.csrfToken}`);
    const sid = session.split(';')[0]!.split('=')[1]!;
    const again = await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    expect(again.cookie).not.toContain(sid);
    const rows = await query<{ id_hash: string }>(app.db.url, `SELECT id_hash FROM sessions`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.map((r) => r.id_hash)).not.toContain(sid);
    // Secure behind an https proxy
    const https = await fetch(`${app.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-proto': 'https' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    expect(https.headers.getSetCookie().every((c) => /;\s*Secure/i.test(c))).toBe(true);
    // me and logout
    const me = await app.api('GET', '/api/v1/auth/me', undefined, { cookie: again.cookie });
    expect(me.body).toMatchObject({ kind: 'user', user: { username: 'admin' }, csrfToken: again.csrfToken });
    expect((await app.api('POST', '/api/v1/auth/logout', undefined, again.headers)).status).toBe(204);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: again.cookie })).status).toBe(401);
  });

  it('expires sessions server-side', async () => {
    const s = await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: s.cookie })).status).toBe(200);
    await query(app.db.url, `UPDATE sessions SET expires_at = now() - interval '1 second'`);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: s.cookie })).status).toBe(401);
  });

  it('throttles login per username and per IP (429 with Retry-After) and logs every attempt as an audit event', async () => {
    await app.api('POST', '/api/v1/users', { username: 'thr', password: 'correct-horse-battery', role: 'viewer' });
    const attempt = (username: string, password: string) =>
      fetch(`${app.baseUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
    for (let i = 0; i < 3; i++) expect((await attempt('thr', 'wrong-password-123')).status).toBe(401);
    const blocked = await attempt('thr', 'correct-horse-battery');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // other users are not affected by the username's counter ... until the IP runs out (8 per window)
    expect((await attempt('admin', TEST_ADMIN_PASSWORD)).status).toBe(200);
    // a success gives its attempt back to the IP: 4 failures so far count
    for (let i = 0; i < 4; i++) expect((await attempt(`nobody${i}`, 'wrong-password-123')).status).toBe(401);
    expect((await attempt('nobody9', 'wrong-password-123')).status).toBe(429);
    expect((await attempt('admin', TEST_ADMIN_PASSWORD)).status).toBe(429);
    // the window passes
    await query(app.db.url, `UPDATE login_throttle SET window_start = now() - interval '11 minutes'`);
    expect((await attempt('thr', 'correct-horse-battery')).status).toBe(200);

    const audit = await app.api('GET', '/api/v1/audit?action=auth.*&limit=100');
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'auth.login_failed').length).toBeGreaterThanOrEqual(7);
    expect(actions).toContain('auth.login_throttled');
    expect(actions).toContain('auth.login');
    expect(JSON.stringify(audit.body)).not.toContain('wrong-password-123');
    expect(JSON.stringify(audit.body)).not.toContain('correct-horse-battery');
    await query(app.db.url, `DELETE FROM login_throttle`);
  });

  it('manages users: validation, roles, password length, last admin protected (409)', async () => {
    const short = await app.api('POST', '/api/v1/users', { username: 'bob', password: 'short', role: 'viewer' });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body.message)).toContain('password');
    const badRole = await app.api('POST', '/api/v1/users', {
      username: 'bob',
      password: 'long-enough-pass',
      role: 'root',
    });
    expect(badRole.status).toBe(400);
    const created = await app.api('POST', '/api/v1/users', {
      username: 'bob',
      password: 'long-enough-pass',
      role: 'operator',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'bob', role: 'operator', disabled: false });
    expect(
      (await app.api('POST', '/api/v1/users', { username: 'bob', password: 'long-enough-pass', role: 'viewer' }))
        .status,
    ).toBe(409);

    const s = await login(app.baseUrl, 'bob', 'long-enough-pass');
    expect((await app.api('GET', '/api/v1/users', undefined, { cookie: s.cookie })).status).toBe(403);

    const admins = (await app.api('GET', '/api/v1/users')).body.items.filter(
      (u: { role: string }) => u.role === 'admin',
    );
    expect(admins).toHaveLength(1);
    const adminId = admins[0].id as string;
    // the only admin acts as itself here: refused as a self-demotion (400) before the last-admin rule
    expect((await app.api('PATCH', `/api/v1/users/${adminId}`, { role: 'viewer' })).status).toBe(400);
    expect((await app.api('PATCH', `/api/v1/users/${adminId}`, { disabled: true })).status).toBe(400);
    expect((await app.api('DELETE', `/api/v1/users/${adminId}`)).status).toBe(400);
    expect((await app.api('PATCH', `/api/v1/users/not-a-uuid`, { role: 'viewer' })).status).toBe(400);

    // promote bob, then the first admin may be demoted; bob's password change ends his sessions
    const promoted = await app.api('PATCH', `/api/v1/users/${created.body.id}`, {
      role: 'admin',
      password: 'another-long-pass',
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body.role).toBe('admin');
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: s.cookie })).status).toBe(401);
    const s2 = await login(app.baseUrl, 'bob', 'another-long-pass');
    expect((await app.api('PATCH', `/api/v1/users/${adminId}`, { role: 'operator' }, s2.headers)).status).toBe(200);
    expect((await app.api('DELETE', `/api/v1/users/${created.body.id}`, undefined, s2.headers)).status).toBe(400);
    expect((await app.api('PATCH', `/api/v1/users/${adminId}`, { role: 'admin' }, s2.headers)).status).toBe(200);

    // own password change
    const pw = await app.api(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: 'wrong-wrong-wrong', newPassword: 'brand-new-password' },
      s2.headers,
    );
    expect(pw.status).toBe(400);
    expect(
      (
        await app.api(
          'POST',
          '/api/v1/auth/password',
          { currentPassword: 'another-long-pass', newPassword: 'brand-new-password' },
          s2.headers,
        )
      ).status,
    ).toBe(204);
    await login(app.baseUrl, 'bob', 'brand-new-password');
    expect((await app.api('DELETE', `/api/v1/users/${created.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `/api/v1/users/${created.body.id}`)).status).toBe(404);
  });

  it('shows a token once, stores only its SHA-256, limits scopes to the role, and lists without secrets', async () => {
    const created = await app.api('POST', '/api/v1/tokens', { name: 'ci', scopes: ['read', 'run'] });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^amk_[A-Za-z0-9_-]{43}$/);
    expect(created.body.prefix).toBe(created.body.token.slice(0, 8));
    const [row] = await query<{ token_hash: string }>(app.db.url, `SELECT token_hash FROM api_tokens WHERE id = $1`, [
      created.body.id,
    ]);
    expect(row!.token_hash).not.toContain(created.body.token);
    expect(row!.token_hash).toMatch(/^[0-9a-f]{64}$/);
    const list = await app.api('GET', '/api/v1/tokens');
    expect(JSON.stringify(list.body)).not.toContain(created.body.token);
    expect(list.body.items.find((t: { id: string }) => t.id === created.body.id)).not.toHaveProperty('token');

    const viewer = await login(app.baseUrl, 'thr', 'correct-horse-battery');
    expect((await app.api('POST', '/api/v1/tokens', { name: 'v', scopes: ['write'] }, viewer.headers)).status).toBe(
      403,
    );
    const vt = await app.api('POST', '/api/v1/tokens', { name: 'v', scopes: ['read'] }, viewer.headers);
    expect(vt.status).toBe(201);
    const mine = await app.api('GET', '/api/v1/tokens', undefined, { authorization: `Bearer ${vt.body.token}` });
    expect(mine.body.items.map((t: { id: string }) => t.id)).toEqual([vt.body.id]);
    expect((await app.api('POST', '/api/v1/tokens', { name: 'x', scopes: ['sudo'] })).status).toBe(400);
    expect((await app.api('POST', '/api/v1/tokens', { name: 'x', scopes: [] })).status).toBe(400);
    const past = await app.api('POST', '/api/v1/tokens', {
      name: 'x',
      scopes: ['read'],
      expiresAt: '2001-01-01T00:00:00Z',
    });
    expect(past.status).toBe(400);
  });

  it('audits token creation and user changes with before/after, filters and cursor paging', async () => {
    const tok = await app.api('POST', '/api/v1/tokens', { name: 'audited', scopes: ['read'] });
    const user = await app.api('POST', '/api/v1/users', {
      username: 'carol',
      password: 'carol-password-1',
      role: 'viewer',
    });
    await app.api('PATCH', `/api/v1/users/${user.body.id}`, { role: 'operator', displayName: 'Carol' });

    const t = await app.api('GET', `/api/v1/audit?target=token:${tok.body.id}`);
    expect(t.body.items).toHaveLength(1);
    expect(t.body.items[0]).toMatchObject({
      action: 'token.create',
      actor: { kind: 'token', name: 'admin/test-harness' },
      targetType: 'token',
      after: { name: 'audited', scopes: ['read'] },
    });
    const u = await app.api('GET', `/api/v1/audit?target=user:${user.body.id}&action=user.update`);
    expect(u.body.items).toHaveLength(1);
    expect(u.body.items[0]).toMatchObject({
      before: { role: 'viewer', displayName: '' },
      after: { role: 'operator', displayName: 'Carol' },
    });
    expect(JSON.stringify(u.body)).not.toContain('carol-password-1');

    // paging: walk every event two at a time; no duplicates, newest first
    const all = (await app.api('GET', '/api/v1/audit?limit=500')).body.items as Array<{ id: string; at: string }>;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: string }>; nextCursor: string | null } = (
        await app.api('GET', `/api/v1/audit?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((e) => e.id));
    expect(all.length).toBeGreaterThan(10);
    expect((await app.api('GET', '/api/v1/audit?cursor=garbage')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/audit?since=yesterday')).status).toBe(400);
    const future = await app.api('GET', `/api/v1/audit?since=${new Date(Date.now() + 3_600_000).toISOString()}`);
    expect(future.body.items).toEqual([]);
    const byActor = await app.api('GET', '/api/v1/audit?actor=admin/test-harness&action=user.*');
    expect(byActor.body.items.length).toBeGreaterThanOrEqual(2);
    // the operator cannot read the audit log
    const op = await app.as('operator');
    expect((await app.api('GET', '/api/v1/audit', undefined, op)).status).toBe(403);
  });

  it('audits every other successful write generically (method, path, actor, target)', async () => {
    // A schedule/job route from another module: an unknown target fails (not audited); a successful one is.
    const before = (await app.api('GET', '/api/v1/audit?limit=500')).body.items.length;
    const failed = await app.api('DELETE', '/api/v1/jobs/does-not-exist');
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect((await app.api('GET', '/api/v1/audit?limit=500')).body.items.length).toBe(before);
    const job = await app.api('POST', '/api/v1/jobs', {
      name: 'audit-probe',
      executor: { kind: 'http', method: 'GET', url: 'http://127.0.0.1:9/x' },
    });
    expect(job.status).toBe(201);
    const events = await app.api('GET', `/api/v1/audit?target=job:${job.body.id}`);
    expect(events.body.items[0]).toMatchObject({
      action: 'job.create',
      actor: { kind: 'token' },
      meta: { method: 'POST', path: '/api/v1/jobs', status: 201 },
    });
  });

  it('never returns password hashes, token hashes or session ids', async () => {
    const s = await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    const responses: unknown[] = [];
    for (const path of ['/api/v1/users', '/api/v1/tokens', '/api/v1/auth/me', '/api/v1/audit?limit=500']) {
      responses.push((await app.api('GET', path)).body);
      responses.push((await app.api('GET', path, undefined, { cookie: s.cookie })).body);
    }
    responses.push(
      (await app.api('POST', '/api/v1/users', { username: 'dave', password: 'dave-password-1', role: 'viewer' })).body,
    );
    const text = JSON.stringify(responses);
    const secrets = [
      ...(await query<{ v: string }>(app.db.url, `SELECT password_hash AS v FROM users`)).map((r) => r.v),
      ...(await query<{ v: string }>(app.db.url, `SELECT token_hash AS v FROM api_tokens`)).map((r) => r.v),
      ...(await query<{ v: string }>(app.db.url, `SELECT id_hash AS v FROM sessions`)).map((r) => r.v),
      decodeURIComponent(s.cookie.match(/apm_session=([^;]+)/)![1]!),
    ];
    expect(secrets.length).toBeGreaterThan(5);
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/\$argon2id\$/);
    expect(text).not.toMatch(/password_?hash|token_?hash|id_?hash/i);
  });
});
