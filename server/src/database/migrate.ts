import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options.js';

/** Advisory lock key shared by every replica: "api-manager migrations". */
export const MIGRATION_LOCK_KEY = 727_001;

/**
 * Run pending migrations while holding a Postgres advisory lock, so replicas starting together
 * apply each migration once; the others wait, then find nothing to do.
 * Returns the names of the migrations this call applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const lock = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10000 });
  await lock.connect();
  const ds = new DataSource({ ...dataSourceOptions(url, 2) });
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await ds.initialize();
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    if (ds.isInitialized) await ds.destroy();
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}

/** Create `name` on the server of `url` when it does not exist (embedded mode, tests). */
export async function ensureDatabase(url: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
  const u = new URL(url);
  u.pathname = '/' + name;
  return u.toString();
}
