import { PageQueryDto } from '../../common/paging.js';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  CreateScheduleRequest,
  MisfirePolicy,
  Schedule as ScheduleContract,
  ScheduleList,
  SchedulePreview,
  UpdateScheduleRequest,
} from '@api-manager/contracts';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsTimeZone } from '../../config/is-time-zone.js';

const POLICIES: MisfirePolicy[] = ['skip', 'run_once', 'run_all'];

export class UpdateScheduleDto implements UpdateScheduleRequest {
  @ApiPropertyOptional({ description: 'Unique per job', maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  name?: string;

  @ApiPropertyOptional({
    description: '5 fields, or 6 with seconds first, or @yearly/@monthly/@weekly/@daily/@hourly',
    example: '0 */5 * * * *',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional({ description: 'Every N seconds (instead of cron)', minimum: 1, maximum: 31622400 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(31622400)
  intervalSeconds?: number;

  @ApiPropertyOptional({ description: 'IANA time zone (default DEFAULT_TIMEZONE)', example: 'Asia/Tokyo' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Raw params (templates allowed)' })
  @IsOptional()
  @IsObject()
  params?: Record<string, unknown>;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time', description: 'No slot before (inclusive)' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsISO8601({ strict: true })
  startsAt?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, format: 'date-time', description: 'No slot after (inclusive)' })
  @IsOptional()
  @ValidateIf((_o, v) => v !== null)
  @IsISO8601({ strict: true })
  endsAt?: string | null;

  @ApiPropertyOptional({ enum: POLICIES, description: 'What to do with slots missed while down (default run_once)' })
  @IsOptional()
  @IsIn(POLICIES)
  misfirePolicy?: MisfirePolicy;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, description: 'Max catch-up runs for run_all (default 100)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  misfireCap?: number;
}

export class CreateScheduleDto extends UpdateScheduleDto implements CreateScheduleRequest {
  @ApiProperty({ description: 'Job id or name' })
  @IsString()
  @Length(1, 200)
  job: string;
}

export class ScheduleDto implements ScheduleContract {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty() jobName: string;
  @ApiProperty() name: string;
  @ApiProperty({ type: String, nullable: true }) cron: string | null;
  @ApiProperty({ type: Number, nullable: true }) intervalSeconds: number | null;
  @ApiProperty() timezone: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) params: Record<string, unknown>;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) startsAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) endsAt: string | null;
  @ApiProperty({ enum: POLICIES }) misfirePolicy: MisfirePolicy;
  @ApiProperty() misfireCap: number;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) nextRunAt: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) lastRunAt: string | null;
  @ApiProperty() description: string;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ScheduleListDto implements ScheduleList {
  @ApiProperty({ type: [ScheduleDto] }) items: ScheduleDto[];
  @ApiProperty({ description: 'Schedules matching the filter (all pages)' }) total: number;
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next page' })
  nextCursor: string | null;
}

export class ListSchedulesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'Job id or name' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  job?: string;
}

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;

export class PreviewQueryDto {
  @ApiPropertyOptional({ example: '0 10 * * *' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cron?: string;

  @ApiPropertyOptional({ description: 'Seconds, or with a unit: 90, 90s, 5m, 2h', example: '5m' })
  @IsOptional()
  @IsString()
  @MaxLength(20)
  interval?: string;

  @ApiPropertyOptional({ example: 'Asia/Tokyo' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 5 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  count?: number;

  @ApiPropertyOptional({ enum: ['en', 'ja'], default: 'en' })
  @IsOptional()
  @IsIn(['en', 'ja'])
  locale?: 'en' | 'ja';
}

export class SchedulePreviewDto implements SchedulePreview {
  @ApiProperty({ type: String, nullable: true }) cron: string | null;
  @ApiProperty({ type: Number, nullable: true }) intervalSeconds: number | null;
  @ApiProperty() timezone: string;
  @ApiProperty({ enum: ['en', 'ja'] }) locale: 'en' | 'ja';
  @ApiProperty() description: string;
  @ApiProperty({ type: [String] }) next: string[];
}
