import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JsonValue, ParamDefinition, ParamType, SecretInput } from '@api-manager/contracts';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { Type } from 'class-transformer';
import { IsRegExpSource } from './validators.js';
import { FanOutSourceDto } from './fanout-source.dto.js';
import { PARAM_NAME, PARAM_TYPES } from './job-constants.js';

export class ParamDefDto implements ParamDefinition {
  @ApiProperty({ example: 'device_id' })
  @Matches(PARAM_NAME, { message: '$property must be an identifier (letters, digits, _; not starting with a digit)' })
  name: string;

  @ApiProperty({ enum: PARAM_TYPES })
  @IsIn(PARAM_TYPES)
  type: ParamType;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  required?: boolean;

  @ApiPropertyOptional({ description: 'A template string, a value, or {"secret": true, "value"} for secret params' })
  @Allow()
  default?: JsonValue | SecretInput;

  @ApiPropertyOptional({ example: '^\\d{2}-\\d{2}$' })
  @IsOptional()
  @IsRegExpSource()
  pattern?: string;

  @ApiPropertyOptional({ type: [String] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  enum?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  fanOut?: boolean;

  @ApiPropertyOptional({ type: FanOutSourceDto, description: 'Fan-out items fetched over HTTP when the run starts' })
  @IsOptional()
  @ValidateNested()
  @Type(() => FanOutSourceDto)
  source?: FanOutSourceDto;

  @ApiPropertyOptional({ default: 1, description: 'daterange params: days between dates' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(366)
  step?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  secret?: boolean;
}
