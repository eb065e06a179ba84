import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ChainStep, ConcurrencyPolicy, JsonValue, RetryPolicy } from '@api-manager/contracts';
import { IsBoolean, IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { IsJsonObject } from './validators.js';
import { JOB_NAME, NAME_MESSAGE } from './job-constants.js';

export class RetryDto implements RetryPolicy {
  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  maxAttempts?: number;

  @ApiPropertyOptional({ enum: ['fixed', 'exponential'], default: 'exponential' })
  @IsOptional()
  @IsIn(['fixed', 'exponential'])
  backoff?: 'fixed' | 'exponential';

  @ApiPropertyOptional({ default: 1000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  initialDelayMs?: number;

  @ApiPropertyOptional({ default: 60000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  maxDelayMs?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  jitter?: boolean;
}

export class ConcurrencyDto implements ConcurrencyPolicy {
  @ApiPropertyOptional({ nullable: true, description: 'null = unlimited' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10_000)
  max?: number | null;

  @ApiPropertyOptional({ enum: ['queue', 'skip', 'allow'] })
  @IsOptional()
  @IsIn(['queue', 'skip', 'allow'])
  overlap?: 'queue' | 'skip' | 'allow';

  @ApiPropertyOptional({ default: 4 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  fanOutParallelism?: number;
}

export class ChainStepDto implements ChainStep {
  @ApiProperty()
  @Matches(JOB_NAME, { message: NAME_MESSAGE })
  job: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  params?: Record<string, JsonValue>;
}
