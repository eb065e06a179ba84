import { Logger } from '@nestjs/common';
import type { Logger as OrmLogger } from 'typeorm';

/**
 * Postgres error classes that come from the data, not the server: integrity (23), data exceptions (22),
 * which the API answers as 4xx (common/database-error.filter.ts), and serialization/deadlock retries (40).
 */
const CLIENT_ERROR_CLASSES = ['22', '23', '40'];

/**
 * TypeORM's messages through the application's logger (pino in production) instead of console.log.
 * Failed queries are logged with their SQL but never their parameters (they may carry secrets);
 * constraint violations the API turns into 4xx are debug lines, the rest are errors.
 */
export class TypeOrmLogger implements OrmLogger {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {
    /* queries are not logged */
  }

  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? (error as { code?: string }).code : undefined;
    const message = typeof error === 'string' ? error : error.message;
    const line = `query failed${code ? ` (${code})` : ''}: ${message} — ${query.slice(0, 500)}`;
    if (code && CLIENT_ERROR_CLASSES.includes(code.slice(0, 2))) this.logger.debug(line);
    else this.logger.error(line);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query.slice(0, 500)}`);
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    const text = typeof message === 'string' ? message : JSON.stringify(message);
    if (level === 'warn') this.logger.warn(text);
    else this.logger.log(text);
  }
}
