import { randomUUID } from 'node:crypto';
import { ModulesContainer } from '@nestjs/core';
import { ACCESS_KEY, IS_PUBLIC_KEY, type AccessRequirement } from '../src/auth/access.decorators.js';
import { roleAtLeast, scopesAllow } from '../src/auth/auth-request.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import {
  createUserAndToken,
  insertToken,
  login,
  TEST_ADMIN_PASSWORD,
  type TestRole,
  type TestScope,
} from './helpers/auth.js';
import { query } from './helpers/database.js';
import { routerRoutes } from './helpers/routes.js';

/** Routes that answer without credentials (reviewed list: a new @Public() route must be added here). */
const PUBLIC = new Set([
  'GET /api/health/live',
  'GET /api/health/ready',
  'POST /api/v1/auth/login',
  // Webhook receivers authenticate by signature instead (webhooks module).
  'POST /api/v1/webhooks/github',
  'POST /api/v1/webhooks/gitlab',
  'POST /api/v1/webhooks/gitea',
  'POST /api/v1/webhooks/receive',
  'POST /webhook',
  // Metrics authenticate themselves (MetricsGuard: METRICS_TOKEN or read credentials, else 401; metrics.test.ts).
  'GET /api/metrics',
]);

/** Every route the Express router knows, as "METHOD /path/:param" (each once, the API docs left out). */
const apiRoutes = (app: TestApp): string[] => [...new Set(routerRoutes(app))].filter((r) => !r.includes('/api/docs'));

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD'];

interface RouteAccess {
  route: string;
  isPublic: boolean;
  role: TestRole;
  scope: TestScope;
}

/** The access rule of every controller route, from Nest's own metadata (what the guard reads). */
function routeAccess(app: TestApp, known: string[]): Map<string, RouteAccess> {
  const out = new Map<string, RouteAccess>();
  const modules = app.app.get(ModulesContainer);
  const versionsOf = (v: unknown): string[] =>
    [v].flat().map((x) => (typeof x === 'string' || typeof x === 'number' ? `v${x}` : '')); // VERSION_NEUTRAL → no segment
  for (const mod of modules.values()) {
    for (const wrapper of mod.controllers.values()) {
      const cls = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (!cls) continue;
      const bases = [Reflect.getMetadata('path', cls) ?? ''].flat() as string[];
      const classVersion = Reflect.getMetadata('__version__', cls) as unknown;
      for (const name of Object.getOwnPropertyNames(cls.prototype)) {
        const fn = cls.prototype[name];
        if (typeof fn !== 'function' || name === 'constructor') continue;
        const methodIdx = Reflect.getMetadata('method', fn) as number | undefined;
        if (methodIdx === undefined) continue;
        const subs = [Reflect.getMetadata('path', fn) ?? ''].flat() as string[];
        const method = METHODS[methodIdx]!;
        const versions = versionsOf(Reflect.getMetadata('__version__', fn) ?? classVersion);
        const isPublic =
          Reflect.getMetadata(IS_PUBLIC_KEY, fn) === true || Reflect.getMetadata(IS_PUBLIC_KEY, cls) === true;
        const acc: AccessRequirement =
          (Reflect.getMetadata(ACCESS_KEY, fn) as AccessRequirement | undefined) ??
          (Reflect.getMetadata(ACCESS_KEY, cls) as AccessRequirement | undefined) ??
          {};
        const safe = method === 'GET' || method === 'HEAD';
        for (const base of bases) {
          for (const sub of subs) {
            for (const ver of versions) {
              // With the global prefix, or outside it (excluded paths such as POST /webhook).
              const candidates = ['api', ''].map((prefix) => {
                const parts = [prefix, ver, base, sub].filter((p) => p && p !== '/');
                return `${method} ` + ('/' + parts.join('/')).replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
              });
              const route = candidates.find((c) => known.includes(c)) ?? candidates[0]!;
              out.set(route, {
                route,
                isPublic,
                role: acc.role ?? (safe ? 'viewer' : 'operator'),
                scope: acc.scope ?? (safe ? 'read' : 'write'),
              });
            }
          }
        }
      }
    }
  }
  return out;
}

const fill = (route: string) => route.replace(/:(\w+)/g, () => randomUUID());

async function call(app: TestApp, route: string, headers: Record<string, string>) {
  const [method, path] = route.split(' ') as [string, string];
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return app.api(method, fill(path), hasBody ? {} : undefined, headers);
}

describe('the global guard', () => {
  let app: TestApp;
  let routes: string[];
  let access: Map<string, RouteAccess>;

  beforeAll(async () => {
    app = await startTestApp();
    routes = apiRoutes(app);
    access = routeAccess(app, routes);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('knows the access rule of every route of the router (nothing escapes the walk)', () => {
    expect(routes.length).toBeGreaterThan(10);
    const unknown = routes.filter((r) => !access.has(r) && !r.startsWith('HEAD '));
    expect(unknown).toEqual([]);
    // The only public routes are the reviewed ones.
    const publicRoutes = [...access.values()].filter((a) => a.isPublic).map((a) => a.route);
    expect(publicRoutes.filter((r) => !PUBLIC.has(r))).toEqual([]);
  });

  it('answers 401 on every non-public route without credentials, with a bad token, or a token in the query string', async () => {
    const guarded = routes.filter((r) => !PUBLIC.has(r));
    expect(guarded.length).toBeGreaterThan(10);
    const token = app.authHeaders.authorization!.replace('Bearer ', '');
    const failures: string[] = [];
    for (const route of guarded) {
      const none = await call(app, route, {});
      if (none.status !== 401) failures.push(`${route} (none) -> ${none.status}`);
      const bad = await call(app, route, { authorization: 'Bearer amk_' + 'x'.repeat(43) });
      if (bad.status !== 401) failures.push(`${route} (bad token) -> ${bad.status}`);
      const [method, path] = route.split(' ') as [string, string];
      const viaQuery = await app.api(method, `${fill(path)}?access_token=${token}&token=${token}`, undefined, {});
      if (viaQuery.status !== 401) failures.push(`${route} (query) -> ${viaQuery.status}`);
    }
    expect(failures).toEqual([]);
    const body = (await call(app, 'GET /api/v1/tokens', {})).body;
    expect(body).toMatchObject({ statusCode: 401, message: 'Authentication required' });
  });

  it('lets the public routes through without credentials', async () => {
    expect((await app.api('GET', '/api/health/live', undefined, {})).status).toBe(200);
    expect((await app.api('GET', '/api/health/ready', undefined, {})).status).toBe(200);
    const loginRes = await app.api(
      'POST',
      '/api/v1/auth/login',
      { username: 'admin', password: 'wrong-password!' },
      {},
    );
    expect(loginRes.status).toBe(401);
    expect(loginRes.body.message).toBe('Invalid username or password');
  });

  it('serves the OpenAPI document and Swagger UI to readers only (401 without credentials)', async () => {
    for (const path of ['/api/docs', '/api/docs/', '/api/docs-json', '/api/docs/swagger-ui-init.js']) {
      const res = await fetch(`${app.baseUrl}${path}`);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
      expect((await res.json()).message).toMatch(/Authentication required/);
    }
    const bad = await fetch(`${app.baseUrl}/api/docs-json`, { headers: { authorization: 'Bearer amk_nope' } });
    expect(bad.status).toBe(401);
    expect((await fetch(`${app.baseUrl}/api/docs`, { headers: app.authHeaders })).status).toBe(200);
    expect((await fetch(`${app.baseUrl}/api/docs-json`, { headers: app.authHeaders })).status).toBe(200);
    const viewer = await app.as('viewer');
    expect((await fetch(`${app.baseUrl}/api/docs-json`, { headers: viewer })).status).toBe(200);
  });

  it('forbids (403) every route whose role or scope the caller lacks, for each role and each token scope', async () => {
    const callers: Array<{ label: string; role: TestRole; scopes: TestScope[]; headers: Record<string, string> }> = [];
    for (const [role, scopeSets] of [
      ['viewer', [['read']]],
      ['operator', [['read'], ['run'], ['write'], ['read', 'run', 'write']]],
      ['admin', [['read'], ['run'], ['write'], ['admin']]],
    ] as Array<[TestRole, TestScope[][]]>) {
      for (const scopes of scopeSets) {
        const { headers } = await createUserAndToken(app.db.url, role, scopes);
        callers.push({ label: `${role}[${scopes.join(',')}]`, role, scopes, headers });
      }
    }
    const guarded = [...access.values()].filter((a) => !a.isPublic && routes.includes(a.route));
    const failures: string[] = [];
    let denials = 0;
    for (const caller of callers) {
      for (const a of guarded) {
        const allowed = roleAtLeast(caller.role, a.role) && scopesAllow(caller.scopes, a.scope);
        if (allowed) continue; // handlers are exercised by the allowed cases below and by each module's tests
        denials++;
        const res = await call(app, a.route, caller.headers);
        if (res.status !== 403) failures.push(`${caller.label} ${a.route} -> ${res.status}`);
      }
    }
    expect(failures).toEqual([]);
    expect(denials).toBeGreaterThan(50);
  });

  it('gives a viewer read access and 403 on every write', async () => {
    const viewer = await app.as('viewer');
    expect((await app.api('GET', '/api/v1/auth/me', undefined, viewer)).body).toMatchObject({
      kind: 'token',
      user: { role: 'viewer' },
      scopes: ['read'],
    });
    expect((await app.api('GET', '/api/v1/tokens', undefined, viewer)).status).toBe(200);
    const writes = routes.filter((r) => !PUBLIC.has(r) && !/^(GET|HEAD) /.test(r) && r !== 'POST /api/v1/auth/logout');
    expect(writes.length).toBeGreaterThan(5);
    const failures: string[] = [];
    for (const route of writes) {
      const res = await call(app, route, viewer);
      if (res.status !== 403) failures.push(`${route} -> ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it('applies each token scope: read, run, write, admin (admin implies all; write and run imply read)', async () => {
    const owner = (await query<{ id: string }>(app.db.url, `SELECT id FROM users WHERE username = 'admin'`))[0]!.id;
    const tok = async (scopes: TestScope[]) => (await insertToken(app.db.url, owner, scopes)).headers;
    const read = await tok(['read']);
    const run = await tok(['run']);
    const write = await tok(['write']);
    const admin = await tok(['admin']);
    const status = async (h: Record<string, string>, method: string, path: string, body?: unknown) =>
      (await app.api(method, path, body ?? (method === 'GET' ? undefined : {}), h)).status;

    // read: GET only
    for (const h of [read, run, write, admin]) expect(await status(h, 'GET', '/api/v1/tokens')).toBe(200);
    // write: default for POST/PATCH/DELETE (an unknown user id → 404 means the guard let it through)
    expect(await status(read, 'PATCH', `/api/v1/users/${randomUUID()}`, { displayName: 'x' })).toBe(403);
    expect(await status(write, 'DELETE', `/api/v1/tokens/${randomUUID()}`)).toBe(404);
    expect(await status(read, 'DELETE', `/api/v1/tokens/${randomUUID()}`)).toBe(403);
    expect(await status(run, 'DELETE', `/api/v1/tokens/${randomUUID()}`)).toBe(403);
    // admin: user management and token creation need scope admin
    expect(await status(write, 'GET', '/api/v1/users')).toBe(403);
    expect(await status(admin, 'GET', '/api/v1/users')).toBe(200);
    expect(await status(write, 'POST', '/api/v1/tokens', { name: 'n', scopes: ['read'] })).toBe(403);
    expect(await status(admin, 'POST', '/api/v1/tokens', { name: 'n', scopes: ['read'] })).toBe(201);
    // run: routes marked @Access({ scope: 'run' }) (run/cancel/retry/pause/resume/replay)
    const runRoutes = [...access.values()].filter((a) => a.scope === 'run' && routes.includes(a.route));
    for (const a of runRoutes) {
      const [method, path] = a.route.split(' ') as [string, string];
      const p = fill(path);
      expect([a.route, await status(read, method, p)]).toEqual([a.route, 403]);
      expect([a.route, await status(write, method, p)]).toEqual([a.route, 403]);
      const ok = await status(run, method, p);
      expect([a.route, ok === 401 || ok === 403]).toEqual([a.route, false]);
      const okAdmin = await status(admin, method, p);
      expect([a.route, okAdmin === 401 || okAdmin === 403]).toEqual([a.route, false]);
    }
  });

  it('rejects expired and revoked tokens, and tokens of disabled users', async () => {
    const { userId, headers, tokenId } = await createUserAndToken(app.db.url, 'operator');
    expect((await app.api('GET', '/api/v1/auth/me', undefined, headers)).status).toBe(200);

    const expired = await insertToken(app.db.url, userId, ['read'], { expiresAt: new Date(Date.now() - 1000) });
    expect((await app.api('GET', '/api/v1/auth/me', undefined, expired.headers)).status).toBe(401);
    const future = await insertToken(app.db.url, userId, ['read'], { expiresAt: new Date(Date.now() + 60_000) });
    expect((await app.api('GET', '/api/v1/auth/me', undefined, future.headers)).status).toBe(200);

    // Revoke through the API (the owner itself, with write scope): the token stops working at once.
    expect((await app.api('DELETE', `/api/v1/tokens/${tokenId}`, undefined, headers)).status).toBe(204);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, headers)).status).toBe(401);
    const list = await app.api('GET', '/api/v1/tokens', undefined, app.authHeaders);
    expect(list.body.items.find((t: { id: string }) => t.id === tokenId)?.revokedAt).toEqual(expect.any(String));

    // Another user's token cannot be revoked by a non-admin (404, as if it did not exist).
    const other = await createUserAndToken(app.db.url, 'operator');
    expect((await app.api('DELETE', `/api/v1/tokens/${other.tokenId}`, undefined, future.headers)).status).toBe(403);
    const op2 = await createUserAndToken(app.db.url, 'operator');
    expect((await app.api('DELETE', `/api/v1/tokens/${other.tokenId}`, undefined, op2.headers)).status).toBe(404);

    await query(app.db.url, `UPDATE users SET disabled = true WHERE id = $1`, [other.userId]);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, other.headers)).status).toBe(401);
  });

  it('records last_used_at at most once a minute', async () => {
    const { headers, tokenId } = await createUserAndToken(app.db.url, 'viewer');
    const lastUsed = async () =>
      (
        await query<{ t: Date | null }>(app.db.url, `SELECT last_used_at AS t FROM api_tokens WHERE id = $1`, [tokenId])
      )[0]!.t;
    expect(await lastUsed()).toBeNull();
    await app.api('GET', '/api/v1/auth/me', undefined, headers);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await app.api('GET', '/api/v1/auth/me', undefined, headers);
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
    await query(app.db.url, `UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
      tokenId,
    ]);
    await app.api('GET', '/api/v1/auth/me', undefined, headers);
    expect((await lastUsed())!.getTime()).toBeGreaterThan(first!.getTime() - 1);
    expect(Date.now() - (await lastUsed())!.getTime()).toBeLessThan(60_000);
  });

  it('requires the CSRF header on cookie-authenticated writes, not on reads or with a Bearer token', async () => {
    const s = await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    // read with the cookie alone
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: s.cookie })).status).toBe(200);
    // write without / with a wrong CSRF header → 403
    const noCsrf = await app.api('POST', '/api/v1/tokens', { name: 'c', scopes: ['read'] }, { cookie: s.cookie });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.message).toContain('CSRF');
    const wrong = await app.api(
      'POST',
      '/api/v1/tokens',
      { name: 'c', scopes: ['read'] },
      { cookie: s.cookie, 'x-csrf-token': 'x'.repeat(43) },
    );
    expect(wrong.status).toBe(403);
    // The CSRF token of another session does not fit this one.
    const s2 = await login(app.baseUrl, 'admin', TEST_ADMIN_PASSWORD);
    expect(s2.csrfToken).not.toBe(s.csrfToken);
    const crossed = await app.api(
      'POST',
      '/api/v1/tokens',
      { name: 'c', scopes: ['read'] },
      { cookie: s.cookie, 'x-csrf-token': s2.csrfToken },
    );
    expect(crossed.status).toBe(403);
    // with the header → OK
    const ok = await app.api('POST', '/api/v1/tokens', { name: 'c', scopes: ['read'] }, s.headers);
    expect(ok.status).toBe(201);
    // Bearer requests need no CSRF header
    expect((await app.api('POST', '/api/v1/tokens', { name: 'b', scopes: ['read'] }, app.authHeaders)).status).toBe(
      201,
    );
    // logout is a write too
    expect((await app.api('POST', '/api/v1/auth/logout', undefined, { cookie: s.cookie })).status).toBe(403);
    expect((await app.api('POST', '/api/v1/auth/logout', undefined, s.headers)).status).toBe(204);
    expect((await app.api('GET', '/api/v1/auth/me', undefined, { cookie: s.cookie })).status).toBe(401);
  });

  it('sends helmet headers with a CSP that lets the SPA and Swagger UI load, and no CORS by default', async () => {
    const res = await fetch(`${app.baseUrl}/api/docs`, {
      headers: { ...app.authHeaders, origin: 'https://evil.example' },
    });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    // Swagger UI's assets are same-origin scripts (allowed by script-src 'self').
    const html = await res.text();
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    const pre = await fetch(`${app.baseUrl}/api/v1/jobs`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
