import { type ArgumentsHost, Catch, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { isConnectionError } from './connection-errors.js';
import { DatabaseErrorFilter } from './database-error.filter.js';
import { toErrorBody } from './error-codes.js';

/**
 * The global filter. While the database cannot be reached, requests that need it answer 503 with
 * Retry-After (the client may simply try again) instead of 500. Other database errors go to
 * DatabaseErrorFilter. Every HttpException answers its own body plus a stable `code`
 * (common/error-codes.ts); anything else is a logged 500 INTERNAL_ERROR.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  private readonly database = new DatabaseErrorFilter();
  private readonly logger = new Logger('ExceptionsHandler');

  override catch(error: unknown, host: ArgumentsHost) {
    if (host.getType() !== 'http') return super.catch(error, host);
    const res = host.switchToHttp().getResponse<Response>();
    if (!(error instanceof HttpException) && isConnectionError(error)) {
      res.setHeader('Retry-After', '5');
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'The database is unavailable; try again shortly',
        error: 'Service Unavailable',
        code: 'SERVICE_UNAVAILABLE',
      });
      return;
    }
    if (error instanceof QueryFailedError || error instanceof pg.DatabaseError) {
      return this.database.catch(error as Parameters<DatabaseErrorFilter['catch']>[0], host);
    }
    if (res.headersSent) return super.catch(error, host);
    if (error instanceof HttpException) {
      const status = error.getStatus();
      res.status(status).json(toErrorBody(status, error.getResponse()));
      return;
    }
    this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    res.status(HttpStatus.INTERNAL_SERVER_ERROR).json({
      statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
      message: 'Internal server error',
      code: 'INTERNAL_ERROR',
    });
  }
}
