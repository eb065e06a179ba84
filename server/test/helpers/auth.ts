import { createHash, randomBytes } from 'node:crypto';
import { query } from './database.js';

export type TestRole = 'viewer' | 'operator' | 'admin';
export type TestScope = 'read' | 'run' | 'write' | 'admin';

/** Password of the `admin` user that startTestApp creates on first start (unless a test overrides it). */
export const TEST_ADMIN_PASSWORD = 'test-admin-password';

const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');
const ALL_SCOPES: Record<TestRole, TestScope[]> = {
  viewer: ['read'],
  operator: ['read', 'run', 'write'],
  admin: ['admin'],
};

/**
 * Insert an API token straight into the database (no HTTP round trip) for `userId`.
 * Returns the Authorization header.
 */
export async function insertToken(
  dbUrl: string,
  userId: string,
  scopes: TestScope[],
  opts: { name?: string; expiresAt?: Date | null } = {},
): Promise<{ id: string; token: string; headers: Record<string, string> }> {
  const token = 'amk_' + randomBytes(32).toString('base64url');
  const [row] = await query<{ id: string }>(
    dbUrl,
    `INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
    [userId, opts.name ?? 'test', sha256(token), token.slice(0, 8), scopes, opts.expiresAt ?? null],
  );
  return { id: row!.id, token, headers: { authorization: `Bearer ${token}` } };
}

/**
 * A new user of `role` (who cannot sign in with a password) and a token for it with `scopes`
 * (default: everything the role allows). Returns the headers to pass to `app.api(..., headers)`.
 */
export async function createUserAndToken(
  dbUrl: string,
  role: TestRole,
  scopes: TestScope[] = ALL_SCOPES[role],
): Promise<{ userId: string; tokenId: string; token: string; headers: Record<string, string> }> {
  const username = `${role}-${randomBytes(4).toString('hex')}`;
  const [user] = await query<{ id: string }>(
    dbUrl,
    `INSERT INTO users (username, role, password_hash) VALUES ($1, $2, '!no-password') RETURNING id`,
    [username, role],
  );
  const t = await insertToken(dbUrl, user!.id, scopes);
  return { userId: user!.id, tokenId: t.id, token: t.token, headers: t.headers };
}

/** Token headers for the first-start `admin` user. */
export async function adminTokenHeaders(dbUrl: string): Promise<Record<string, string>> {
  const [admin] = await query<{ id: string }>(
    dbUrl,
    `SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY created_at LIMIT 1`,
  );
  if (!admin) throw new Error('No admin user: the first-start admin was not created');
  return (await insertToken(dbUrl, admin.id, ['admin'], { name: 'test-harness' })).headers;
}

export interface CookieSession {
  /** `cookie` header carrying apm_session + apm_csrf. */
  cookie: string;
  csrfToken: string;
  /** Cookie + CSRF header: what the SPA sends. */
  headers: Record<string, string>;
}

/** Sign in through POST /api/v1/auth/login and return the cookie session. */
export async function login(baseUrl: string, username: string, password: string): Promise<CookieSession> {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${await res.text()}`);
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const body = (await res.json()) as { csrfToken: string };
  const cookie = cookies.join('; ');
  return { cookie, csrfToken: body.csrfToken, headers: { cookie, 'x-csrf-token': body.csrfToken } };
}
