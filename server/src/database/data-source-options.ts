import type { DataSourceOptions } from 'typeorm';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

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
      // Fail fast when the database is down so readiness reports it within seconds.
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 10000,
      application_name: 'api-manager',
    },
  };
}
