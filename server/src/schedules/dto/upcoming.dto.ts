import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { UpcomingRun, UpcomingRuns } from '@api-manager/contracts';
import {
  UPCOMING_HOURS_DEFAULT,
  UPCOMING_HOURS_MAX,
  UPCOMING_ITEMS_MAX,
} from '../../../../libs/contracts/src/job-overview.js';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class UpcomingQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: UPCOMING_HOURS_MAX, default: UPCOMING_HOURS_DEFAULT })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value,
  )
  @IsInt({ message: `hours must be a whole number of hours, 1 to ${UPCOMING_HOURS_MAX}` })
  @Min(1, { message: `hours must be a whole number of hours, 1 to ${UPCOMING_HOURS_MAX}` })
  @Max(UPCOMING_HOURS_MAX, { message: `hours must be a whole number of hours, 1 to ${UPCOMING_HOURS_MAX}` })
  hours?: number;
}

export class UpcomingRunDto implements UpcomingRun {
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ description: 'Wall time in the schedule zone, with offset' }) local: string;
  @ApiProperty() job: string;
  @ApiProperty() jobTitle: string;
  @ApiProperty({ format: 'uuid' }) scheduleId: string;
  @ApiProperty() scheduleName: string;
  @ApiProperty({ example: 'Asia/Tokyo' }) timezone: string;
}

export class UpcomingRunsDto implements UpcomingRuns {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
  @ApiProperty() hours: number;
  @ApiProperty({ type: [UpcomingRunDto] }) items: UpcomingRunDto[];
  @ApiProperty({ description: `More runs fell in the window than cap (${UPCOMING_ITEMS_MAX}): items are the earliest` })
  capped: boolean;
  @ApiProperty() cap: number;
}
