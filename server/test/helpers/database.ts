import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '../../src/database/migrate.js';

const TEMPLATE_LOCK = 727_002;

/** Create and migrate the run's template database once, whichever test file asks first. */
async function ensureTemplate(): Promise<string> {
  const template = process.env.APM_TEST_TEMPLATE;
  if (!template) throw new Error('APM_TEST_TEMPLATE is not set: run tests through jest (global-setup)');
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query('SELECT pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(template)}`);
      try {
        await runMigrations(withDatabase(serverUrl(), template));
      } catch (err) {
        await admin.query(`DROP DATABASE ${admin.escapeIdentifier(template)} WITH (FORCE)`);
        throw err;
      }
    }
    return template;
  } finally {
    await admin.query('SELECT pg_advisory_unlock($1)', [TEMPLATE_LOCK]).catch(() => undefined);
    await admin.end();
  }
}

function serverUrl(): string {
  const url = process.env.APM_TEST_SERVER_URL;
  if (!url) throw new Error('APM_TEST_SERVER_URL is not set: run tests through jest (global-setup)');
  return url;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test file: a copy of the migrated template (default), or empty
 * (`{ migrated: false }`) for tests of the migration runner itself.
 */
export async function createTestDatabase(opts: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const ppid = process.env.APM_TEST_TEMPLATE?.replace('apm_tpl_', '') ?? '0';
  const name = `apm_test_${ppid}_${randomBytes(5).toString('hex')}`;
  const template = opts.migrated === false ? 'template0' : await ensureTemplate();
  const admin = new pg.Client({ connectionString: serverUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${admin.escapeIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(serverUrl(), name),
    async drop() {
      const c = new pg.Client({ connectionString: serverUrl() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    },
  };
}

/** Run one query on a database and close the connection (assertions in tests). */
export async function query<T extends pg.QueryResultRow = Record<string, unknown>>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}
