import { type ArgumentsHost, Catch, HttpException, HttpStatus } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import type { Response } from 'express';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { isConnectionError } from './connection-errors.js';
import { DatabaseErrorFilter } from './database-error.filter.js';

/**
 * While the database cannot be reached, requests that need it answer 503 with Retry-After (the
 * client may simply try again) instead of 500. Other database errors go to DatabaseErrorFilter,
 * everything else to Nest's default handling.
 */
@Catch()
export class DatabaseUnavailableFilter extends BaseExceptionFilter {
  private readonly database = new DatabaseErrorFilter();

  override catch(error: unknown, host: ArgumentsHost) {
    if (!(error instanceof HttpException) && isConnectionError(error)) {
      const res = host.switchToHttp().getResponse<Response>();
      res.setHeader('Retry-After', '5');
      res.status(HttpStatus.SERVICE_UNAVAILABLE).json({
        statusCode: HttpStatus.SERVICE_UNAVAILABLE,
        message: 'The database is unavailable; try again shortly',
        error: 'Service Unavailable',
      });
      return;
    }
    if (error instanceof QueryFailedError || error instanceof pg.DatabaseError) {
      return this.database.catch(error as Parameters<DatabaseErrorFilter['catch']>[0], host);
    }
    return super.catch(error, host);
  }
}
