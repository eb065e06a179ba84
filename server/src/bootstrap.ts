import path from 'node:path';
import type { AppConfig } from './config/app-config.js';
import { prepareDatabaseUrl } from './database/cli.js';
import type { RunningPostgres } from './database/embedded-postgres.js';
import { runMigrations } from './database/migrate.js';

export interface Database {
  url: string;
  embedded?: RunningPostgres;
  applied: string[];
}

/** Resolve the database (DATABASE_URL or embedded), then apply migrations under the advisory lock. */
export async function prepareDatabase(config: AppConfig, info: (msg: string) => void): Promise<Database> {
  const { url, embedded } = await prepareDatabaseUrl(config, info);
  if (embedded) {
    info(`Embedded Postgres listening on 127.0.0.1:${embedded.port} (data in ${path.resolve(config.DATA_DIR)})`);
  }
  try {
    const applied = await runMigrations(url);
    if (applied.length) info(`Applied migrations: ${applied.join(', ')}`);
    return { url, embedded, applied };
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
}
