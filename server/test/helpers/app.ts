import type { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { OpenAPIObject } from '@nestjs/swagger';
import { createApp } from '../../src/app.js';
import type { Clock } from '../../src/common/clock.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { adminTokenHeaders, createUserAndToken, TEST_ADMIN_PASSWORD, type TestRole, type TestScope } from './auth.js';
import { createTestDatabase, type TestDatabase } from './database.js';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  openApi: OpenAPIObject;
  db: TestDatabase;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** Headers that authenticate as an admin (an admin-scoped API token of the first-start `admin`). */
  authHeaders: Record<string, string>;
  /**
   * Headers of a new user with `role` and an API token with `scopes` (default: all the role allows),
   * e.g. `app.api('POST', '/api/v1/jobs', body, await app.as('viewer'))` → 403.
   */
  as(role: TestRole, scopes?: TestScope[]): Promise<Record<string, string>>;
  /**
   * Call the API authenticated as an admin (or with `headers` of your own, e.g. {} for none).
   * Returns the status, parsed JSON body (or text) and headers. `T` types the body (a contract type);
   * without it the body is `any`, kept so the many tests that read an answer field by field stay short.
   */
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult<T>>;
  close(): Promise<void>;
}

export interface ApiResult<T> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * The whole application on a fresh copy of the migrated database, listening on a free port.
 * `env` overrides configuration exactly as environment variables would; `clock` (e.g. a ManualClock,
 * helpers/manual-clock.ts) replaces the system clock of the schedule ticker and schedule definitions.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  db?: TestDatabase,
  opts: { clock?: Clock } = {},
): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  // A known admin password keeps the first-start log quiet; pass ADMIN_PASSWORD: '' to get a generated one.
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    // Tests run as root and build their git remotes in root-only temp folders: command scripts run as root
    // unless a test asks otherwise (command-limits.test.ts covers the default, nobody, and isolation).
    COMMAND_JOBS_USER: 'root',
    ...env,
    DATABASE_URL: database.url,
  });
  const { app, openApi } = await createApp(config, database.url, opts);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  const authHeaders: Record<string, string> = await adminTokenHeaders(database.url);
  return {
    app,
    config,
    openApi,
    db: database,
    baseUrl,
    authHeaders,
    async as(role, scopes) {
      return (await createUserAndToken(database.url, role, scopes)).headers;
    },
    async api(method, path, body, headers) {
      const res = await fetch(baseUrl + path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(headers ?? authHeaders) },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed as never, headers: res.headers };
    },
    async close() {
      await app.close();
      if (!db) await database.drop();
    },
  };
}
