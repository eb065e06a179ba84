import path from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { startEmbeddedPostgres, type RunningPostgres } from './embedded-postgres.js';
import { ensureDatabase } from './migrate.js';

/** The database URL for CLI commands: DATABASE_URL, or the embedded Postgres of DATA_DIR. */
export async function prepareDatabaseUrl(
  config: AppConfig,
  onInfo?: (message: string) => void,
): Promise<{ url: string; embedded?: RunningPostgres }> {
  if (config.DATABASE_URL) return { url: config.DATABASE_URL };
  const embedded = await startEmbeddedPostgres({
    dataDir: path.join(config.DATA_DIR, 'postgres'),
    port: config.EMBEDDED_PG_PORT,
    systemDir: config.EMBEDDED_PG_SYSTEM_DIR,
    onInfo,
  });
  return { url: await ensureDatabase(embedded.url, 'api_manager'), embedded };
}
