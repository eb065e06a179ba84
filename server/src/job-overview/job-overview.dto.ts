import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsTimeZone } from '../config/is-time-zone.js';

export class JobOverviewQueryDto {
  @ApiPropertyOptional({ example: 'Asia/Tokyo', description: 'The zone the duration series cuts days in' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;
}
