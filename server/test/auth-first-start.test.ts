import type { LoggerService } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/app-config.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';

/** Every line the application logs through Nest's Logger (pino in production). */
class CaptureLogger implements LoggerService {
  lines: string[] = [];
  private add =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      this.lines.push(`${level} ${typeof message === 'string' ? message : JSON.stringify(message)} ${rest.join(' ')}`);
    };
  log = this.add('info');
  warn = this.add('warn');
  error = this.add('error');
  debug = this.add('debug');
  verbose = this.add('verbose');
  fatal = this.add('fatal');
}

async function boot(db: TestDatabase, env: Record<string, string>) {
  const config = loadConfig({ LOG_LEVEL: 'warn', ...env, DATABASE_URL: db.url });
  const { app } = await createApp(config, db.url);
  const logs = new CaptureLogger();
  app.useLogger(logs);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app: app as NestExpressApplication, logs, baseUrl: `http://127.0.0.1:${port}` };
}

const loginStatus = async (baseUrl: string, password: string) =>
  (
    await fetch(`${baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    })
  ).status;

describe('first start', () => {
  const dbs: TestDatabase[] = [];
  const apps: NestExpressApplication[] = [];
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const d of dbs) await d.drop();
  });
  const freshDb = async () => {
    const db = await createTestDatabase();
    dbs.push(db);
    return db;
  };

  it('creates admin with ADMIN_PASSWORD, without printing it', async () => {
    const db = await freshDb();
    const { app, logs, baseUrl } = await boot(db, { ADMIN_PASSWORD: 'from-the-environment' });
    apps.push(app);
    const users = await query<{ username: string; role: string; password_hash: string }>(
      db.url,
      `SELECT username, role, password_hash FROM users`,
    );
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ username: 'admin', role: 'admin' });
    expect(users[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(logs.lines.join('\n')).toContain('created user "admin" with the password from ADMIN_PASSWORD');
    expect(logs.lines.join('\n')).not.toContain('from-the-environment');
    expect(await loginStatus(baseUrl, 'from-the-environment')).toBe(200);
    const audit = await query<{ action: string; actor_kind: string }>(
      db.url,
      `SELECT action, actor_kind FROM audit_events`,
    );
    expect(audit).toContainEqual({ action: 'user.create', actor_kind: 'system' });
  });

  it('without ADMIN_PASSWORD generates one, printed exactly once even when replicas start together', async () => {
    const db = await freshDb();
    // Two replicas booting at the same time on the same empty database.
    const [a, b] = await Promise.all([boot(db, {}), boot(db, {})]);
    apps.push(a.app, b.app);
    expect(await query(db.url, `SELECT 1 FROM users`)).toHaveLength(1);
    const printed = [...a.logs.lines, ...b.logs.lines].filter((l) => l.includes('FIRST START'));
    expect(printed).toHaveLength(1);
    expect(printed[0]!.startsWith('warn ')).toBe(true);
    const password = /generated password:\s+(\S+)/.exec(printed[0]!)![1]!;
    expect(password.length).toBeGreaterThanOrEqual(24);
    expect(await loginStatus(a.baseUrl, password)).toBe(200);
    expect(await loginStatus(b.baseUrl, password)).toBe(200);

    // A restart with users present creates nothing and prints nothing.
    const c = await boot(db, {});
    apps.push(c.app);
    expect(c.logs.lines.join('\n')).not.toContain('FIRST START');
    expect(c.logs.lines.join('\n')).not.toContain(password);
    expect(await query(db.url, `SELECT 1 FROM users`)).toHaveLength(1);
  });

  it('rejects an ADMIN_PASSWORD shorter than 12 characters at boot', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'short' })).toThrow(
      /ADMIN_PASSWORD="short": must be at least 12 characters/,
    );
  });
});
