import { type ArgumentsHost, Catch, type ExceptionFilter, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';

const MAP: Record<string, { status: number; message: string }> = {
  '23505': { status: HttpStatus.CONFLICT, message: 'A record with the same unique value already exists' },
  '23503': { status: HttpStatus.CONFLICT, message: 'The record refers to, or is referred to by, another record' },
  '23514': { status: HttpStatus.BAD_REQUEST, message: 'A value violates a database check' },
  '23502': { status: HttpStatus.BAD_REQUEST, message: 'A required value is missing' },
  '22P02': { status: HttpStatus.BAD_REQUEST, message: 'A value has the wrong format' },
  '22001': { status: HttpStatus.BAD_REQUEST, message: 'A value is too long' },
  '22003': { status: HttpStatus.BAD_REQUEST, message: 'A number is out of range' },
  '22007': { status: HttpStatus.BAD_REQUEST, message: 'A date or time has the wrong format' },
  '22008': { status: HttpStatus.BAD_REQUEST, message: 'A date or time is out of range' },
  '22021': { status: HttpStatus.BAD_REQUEST, message: 'A value contains a character that cannot be stored' },
  '22P05': { status: HttpStatus.BAD_REQUEST, message: 'A value contains a character that cannot be stored' },
};

/**
 * Turns constraint and format errors from Postgres into clear 4xx answers (guarantee 6), whether the
 * query went through TypeORM (QueryFailedError) or straight through the pg pool (pg.DatabaseError).
 */
@Catch(QueryFailedError, pg.DatabaseError)
export class DatabaseErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(DatabaseErrorFilter.name);

  catch(
    error: (QueryFailedError | pg.DatabaseError) & { code?: string; detail?: string; constraint?: string },
    host: ArgumentsHost,
  ) {
    const res = host.switchToHttp().getResponse<Response>();
    const mapped = error.code ? MAP[error.code] : undefined;
    if (!mapped) {
      this.logger.error({ err: error.message, code: error.code }, 'Unhandled database error');
      res.status(500).json({
        statusCode: 500,
        message: 'Internal server error',
        error: 'Internal Server Error',
        code: 'INTERNAL_ERROR',
      });
      return;
    }
    const detail = error.detail ? `: ${error.detail}` : error.constraint ? ` (${error.constraint})` : '';
    res.status(mapped.status).json({
      statusCode: mapped.status,
      message: `${mapped.message}${detail}`,
      error: mapped.status === 409 ? 'Conflict' : 'Bad Request',
      code: mapped.status === 409 ? (error.code === '23505' ? 'DUPLICATE_VALUE' : 'REFERENCED_RECORD') : 'BAD_REQUEST',
      ...(mapped.status === 409 ? {} : { params: { message: `${mapped.message}${detail}` } }),
    });
  }
}
