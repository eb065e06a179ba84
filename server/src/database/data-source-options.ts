import pg from 'pg';
import type { DataSourceOptions } from 'typeorm';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

/**
 * A pool client that survives Postgres dropping its connection while it is checked out (a restart, an
 * outage): pg-pool listens for errors only on idle clients, and an 'error' event without a listener
 * crashes the process. The broken client then fails its next query (a normal, handled error) and
 * the pool discards it on release.
 */
class PoolClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** The one DataSource configuration, used by the app, the migration CLI and the tests. */
export function dataSourceOptions(url: string, poolSize = 20): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    migrationsTableName: 'migrations',
    logging: ['error', 'warn', 'migration'],
    logger: new TypeOrmLogger(),
    poolSize,
    extra: {
      Client: PoolClient,
      // Fail fast when the database is down so readiness reports it within seconds.
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 10000,
      application_name: 'api-manager',
    },
  };
}
