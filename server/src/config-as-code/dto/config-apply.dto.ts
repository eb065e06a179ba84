import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConfigAction, ConfigApplyResponse, ConfigChange, ConfigObjectKind } from '@api-manager/contracts';
import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';

const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' || value === '' ? true : value === 'false' || value === '0' ? false : value;

export class ConfigApplyQueryDto {
  @ApiPropertyOptional({ description: 'Only compute and return the diff; write nothing', default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  dryRun?: boolean;

  @ApiPropertyOptional({ description: 'Delete jobs, schedules and sources the file no longer has', default: false })
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  prune?: boolean;
}

export class ConfigChangeDto implements ConfigChange {
  @ApiProperty({ enum: ['job', 'schedule', 'source'] }) kind: ConfigObjectKind;
  @ApiProperty({ example: 'timeblock-prompt/hourly' }) name: string;
  @ApiProperty({ enum: ['create', 'update', 'unchanged', 'delete'] }) action: ConfigAction;
  @ApiPropertyOptional({ type: [String], description: 'Changed fields (update only)' }) fields?: string[];
  @ApiPropertyOptional({ example: 'jobs[3].schedules[0]' }) path?: string;
}

export class ConfigApplyResponseDto implements ConfigApplyResponse {
  @ApiProperty() dryRun: boolean;
  @ApiProperty() prune: boolean;
  @ApiProperty({ description: 'Whether anything was written' }) applied: boolean;
  @ApiProperty({ example: { create: 3, update: 1, unchanged: 10, delete: 0 } }) summary: Record<ConfigAction, number>;
  @ApiProperty({ type: [ConfigChangeDto] }) changes: ConfigChangeDto[];
}
