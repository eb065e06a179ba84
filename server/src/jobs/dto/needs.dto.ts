import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JobNeeds, NeedsOnFailure } from '@api-manager/contracts';
import { NEEDS_ON_FAILURE } from '../../../../libs/contracts/src/pipelines.js';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsJsonObject } from './validators.js';

// The same shapes as job.dto.ts's JOB_NAME / PARAM_NAME (kept here: job.dto.ts imports this file).
const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** `90s`, `30m`, `2h`, `1d`, `500ms`. */
export const DEADLINE = /^(\d{1,7})(ms|s|m|h|d)$/;
export const MAX_NEEDS_JOBS = 20;
export const MAX_NEEDS_KEY = 5;
/** The deadline when none is given. */
export const DEFAULT_NEEDS_DEADLINE = '24h';

/** A deadline text in milliseconds (undefined when malformed). At most 30 days. */
export function deadlineMs(text: string | undefined): number | undefined {
  const m = DEADLINE.exec(text ?? DEFAULT_NEEDS_DEADLINE);
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit;
  return ms > 0 && ms <= 30 * 86_400_000 ? ms : undefined;
}

/** `needs` of a job (fan-in): see libs/contracts/src/pipelines.ts. */
export class NeedsDto implements JobNeeds {
  @ApiProperty({ example: ['transcriber', 'behavior-features', 'emotion-features'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_NEEDS_JOBS)
  @ArrayUnique({ message: 'jobs lists a job twice' })
  @Matches(JOB_NAME, { each: true, message: 'jobs entries must be job names' })
  jobs: string[];

  @ApiProperty({ example: ['device_id', 'date'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_NEEDS_KEY)
  @ArrayUnique({ message: 'key lists a param twice' })
  @Matches(PARAM_NAME, { each: true, message: 'key entries must be param names' })
  key: string[];

  @ApiPropertyOptional({ enum: NEEDS_ON_FAILURE, default: 'skip' })
  @IsOptional()
  @IsIn(NEEDS_ON_FAILURE)
  onFailure?: NeedsOnFailure;

  @ApiPropertyOptional({ example: '2h', default: DEFAULT_NEEDS_DEADLINE })
  @IsOptional()
  @IsString()
  @Matches(DEADLINE, { message: 'deadline must be a number and a unit: 500ms, 90s, 30m, 2h, 1d' })
  deadline?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  params?: Record<string, unknown>;
}
