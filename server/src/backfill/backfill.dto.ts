import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { BackfillPreview, BackfillRequest, BackfillResponse, JsonValue } from '@api-manager/contracts';
import { IsBoolean, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsJsonObject } from '../jobs/dto/validators.js';

export class BackfillRequestDto implements BackfillRequest {
  @ApiProperty({ description: 'Job name or id (a pipeline: its root job)', example: 'features' })
  @IsString()
  @MaxLength(200)
  job: string;

  @ApiProperty({ example: '2026-11-01..2026-11-07', description: 'Inclusive, in the job time zone' })
  @IsString()
  @MaxLength(100)
  dates: string;

  @ApiPropertyOptional({ description: "The param receiving each date; default the job's first date param" })
  @IsOptional()
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: 'dateParam must be a param name' })
  dateParam?: string;

  @ApiPropertyOptional({ default: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  step?: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    example: { device_id: ['d-1', 'd-2'] },
    description: 'A list per key param (crossed with the dates); a single value is the same for every run',
  })
  @IsOptional()
  @IsJsonObject()
  params?: Record<string, JsonValue>;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  onlyMissing?: boolean;

  @ApiPropertyOptional({ description: "Children running at once; default the job's fanOutParallelism" })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1000)
  parallelism?: number;
}

export class BackfillPreviewDto implements BackfillPreview {
  @ApiProperty() job: string;
  @ApiProperty({ type: [String] }) dates: string[];
  @ApiProperty() total: number;
  @ApiProperty() skipped: number;
  @ApiProperty() toRun: number;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  sample: Record<string, JsonValue>[];
}

export class BackfillResponseDto extends BackfillPreviewDto implements BackfillResponse {
  @ApiProperty() executionId: string;
}
