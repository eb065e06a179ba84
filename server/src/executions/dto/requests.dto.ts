import { BadRequestException } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RunJobRequest } from '@api-manager/contracts';
import { JOB_STATUS_BATCH_MAX } from '../../../../libs/contracts/src/executions.js';
import { Exclude, Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { STATUSES, TRIGGERS } from './execution.dto.js';

export class RunJobDto implements RunJobRequest {
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Raw params; defaults fill the rest',
  })
  // Not copied by class-transformer: a 10,000-item fan-out list took ~10 ms of one event-loop turn to walk.
  // The controller reads the raw value (`runParams`), which checks it is an object.
  @Exclude()
  params?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Same key on the same job returns the same execution', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @Matches(/^\S+$/, { message: 'idempotencyKey must not contain spaces' })
  idempotencyKey?: string;
}

const csv = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;

export class ListExecutionsQueryDto {
  @ApiPropertyOptional({ description: 'Job id or name' })
  @IsOptional()
  @IsString()
  job?: string;

  @ApiPropertyOptional({ description: `Comma-separated: ${STATUSES.join(', ')}` })
  @IsOptional()
  @Transform(csv)
  @IsIn(STATUSES, { each: true, message: `status must be one of ${STATUSES.join(', ')}` })
  status?: string[];

  @ApiPropertyOptional({ description: `Comma-separated: ${TRIGGERS.join(', ')}` })
  @IsOptional()
  @Transform(csv)
  @IsIn(TRIGGERS, { each: true, message: `trigger must be one of ${TRIGGERS.join(', ')}` })
  trigger?: string[];

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'since must be an ISO 8601 date-time' })
  since?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 date-time' })
  until?: string;

  @ApiPropertyOptional({
    type: String,
    description:
      'Param filter `name:value` (e.g. `device_id:abc`): runs whose params have that value, or a list holding it ' +
      '(a fan-out parent); repeat for several (all must match), at most 5. Secret params never match.',
    example: 'device_id:abc',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value : [value]))
  @ArrayMaxSize(5, { message: 'param: at most 5 param filters' })
  @IsString({ each: true, message: 'param must be name:value, e.g. device_id:abc' })
  @MaxLength(4200, { each: true, message: 'param: a filter is at most 4,200 characters' })
  @Matches(/^[A-Za-z_][A-Za-z0-9_]*:[\s\S]+$/, {
    each: true,
    message: 'param must be name:value with a param name (letters, digits, _) and a value, e.g. device_id:abc',
  })
  param?: string[];

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(200)
  limit?: number;
}

/** GET /jobs/-/status?names=a,b: comma-separated job names (or ids); `names=a&names=b` works too. */
export class JobStatusBatchQueryDto {
  @ApiProperty({
    type: String,
    description: `Comma-separated job names (or ids), 1 to ${JOB_STATUS_BATCH_MAX}`,
    example: 'features,aggregate',
  })
  @Transform(({ value }: { value: unknown }) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
      .map((v) => (typeof v === 'string' ? v.trim() : v))
      .filter((v) => v !== '' && v !== undefined && v !== null),
  )
  @IsArray({ message: 'names must be a comma-separated list of job names' })
  @ArrayMinSize(1, { message: 'names must name at least one job' })
  @ArrayMaxSize(JOB_STATUS_BATCH_MAX, {
    message: `names: at most ${JOB_STATUS_BATCH_MAX} jobs per call (ask in several calls)`,
  })
  @IsString({ each: true, message: 'names must be a comma-separated list of job names' })
  @MaxLength(100, { each: true, message: 'names: each job name or id is at most 100 characters' })
  names: string[];
}

/** `params` of a run request as sent (RunJobDto leaves it out of the transform): an object, or a 400. */
export function runParams(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new BadRequestException(['params must be an object']);
  return raw as Record<string, unknown>;
}
