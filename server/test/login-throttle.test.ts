import { startTestApp, type TestApp } from './helpers/app.js';
import { TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { query } from './helpers/database.js';

// Failed logins from other clients must never lock the owner out (issue 14): the account is throttled per
// (username, client) with growing delays; TRUST_PROXY says whose X-Forwarded-For names the client.

const login = (app: TestApp, password: string, client?: string) =>
  fetch(`${app.baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(client ? { 'x-forwarded-for': client } : {}) },
    body: JSON.stringify({ username: 'admin', password }),
  });

describe('login throttle per account and client', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({ LOGIN_MAX_PER_USER: '3', LOGIN_MAX_PER_IP: '100', LOGIN_WINDOW_SECONDS: '900' });
  });
  afterAll(() => app.close());

  it('ten bad logins for admin from other IPs do not lock the owner out of their own client', async () => {
    for (let i = 0; i < 10; i++) expect((await login(app, 'wrong-password-1', `203.0.113.${i + 1}`)).status).toBe(401);
    for (let i = 0; i < 5; i++) expect((await login(app, 'wrong-password-1', '203.0.113.99')).status).not.toBe(200);
    expect((await login(app, TEST_ADMIN_PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('one client guessing one account waits growing delays (1 s, 2 s, 4 s) and a wait changes nothing', async () => {
    const client = '192.0.2.10';
    for (let i = 0; i < 3; i++) expect((await login(app, 'wrong-password-2', client)).status).toBe(401);
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const blocked = await login(app, 'wrong-password-2', client);
      expect(blocked.status).toBe(429);
      waits.push(Number(blocked.headers.get('retry-after')));
      // even the right password waits; asking again does not extend the wait
      expect((await login(app, TEST_ADMIN_PASSWORD, client)).status).toBe(429);
      // the delay passes (moved in the database rather than waited for)
      await query(
        app.db.url,
        `UPDATE login_throttle SET window_start = window_start - make_interval(secs => $1)
          WHERE key = $2`,
        [waits[round] + 0.5, `user:admin@${client}`],
      );
      expect((await login(app, 'wrong-password-2', client)).status).toBe(401);
    }
    expect(waits).toEqual([1, 2, 4]);
    await query(app.db.url, `UPDATE login_throttle SET window_start = now() - interval '9 seconds' WHERE key = $1`, [
      `user:admin@${client}`,
    ]);
    // after the wait the owner's right password signs in and clears the counter
    expect((await login(app, TEST_ADMIN_PASSWORD, client)).status).toBe(200);
    expect((await login(app, 'wrong-password-2', client)).status).toBe(401);
  });

  it('TRUST_PROXY=false ignores X-Forwarded-For: every request is the socket peer', async () => {
    const direct = await startTestApp({ TRUST_PROXY: 'false', LOGIN_MAX_PER_USER: '2', LOGIN_MAX_PER_IP: '100' });
    try {
      expect((await login(direct, 'wrong-password-3', '203.0.113.1')).status).toBe(401);
      expect((await login(direct, 'wrong-password-3', '203.0.113.2')).status).toBe(401);
      // a different X-Forwarded-For is the same client (127.0.0.1) here
      expect((await login(direct, TEST_ADMIN_PASSWORD, '203.0.113.3')).status).toBe(429);
      const keys = await query<{ key: string }>(direct.db.url, `SELECT key FROM login_throttle ORDER BY key`);
      expect(keys.map((k) => k.key)).toEqual(expect.arrayContaining(['user:admin@127.0.0.1']));
    } finally {
      await direct.close();
    }
  });

  it('refuses a TRUST_PROXY it cannot read, naming it', async () => {
    await expect(startTestApp({ TRUST_PROXY: 'every proxy' })).rejects.toThrow(/TRUST_PROXY="every proxy"/);
  });
});
