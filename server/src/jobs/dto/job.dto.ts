import { PageQueryDto } from '../../common/paging.js';
import { NeedsDto } from './needs.dto.js';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath, PartialType } from '@nestjs/swagger';
import type { CreateJobRequest, JsonValue, RenderRequest, UpdateJobRequest } from '@api-manager/contracts';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { IsTimeZone } from '../../config/is-time-zone.js';
import { JobNotificationDto } from './job-notification.dto.js';
import { IsJsonObject } from './validators.js';
import { JOB_NAME, NAME_MESSAGE } from './job-constants.js';
import { HttpExecutorDto } from './http-executor.dto.js';
import { CommandExecutorDto } from './command-executor.dto.js';
import { UnknownExecutorDto, type ExecutorDto } from './executor.dto.js';
import { ParamDefDto } from './param-def.dto.js';
import { RetryDto, ConcurrencyDto, ChainStepDto } from './job-policies.dto.js';
import { TriggersDto } from './triggers.dto.js';

// The job definition DTOs live in one file per concern; re-exported here so importers need not change.
export { HTTP_METHODS, JOB_NAME, PARAM_NAME, PARAM_TYPES } from './job-constants.js';
export { HttpExecutorDto } from './http-executor.dto.js';
export { CheckoutDto, CommandExecutorDto, CommitBackDto } from './command-executor.dto.js';
export { UnknownExecutorDto, type ExecutorDto } from './executor.dto.js';
export { ParamDefDto } from './param-def.dto.js';
export { ChainStepDto, ConcurrencyDto, RetryDto } from './job-policies.dto.js';
export { GithubTriggerDto, TriggersDto } from './triggers.dto.js';

@ApiExtraModels(HttpExecutorDto, CommandExecutorDto)
export class CreateJobDto implements CreateJobRequest {
  @ApiProperty({ example: 'timeblock-prompt' })
  @Matches(JOB_NAME, { message: NAME_MESSAGE })
  name: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(200)
  title?: string;

  @ApiPropertyOptional({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  group?: string | null;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(5000)
  description?: string;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(HttpExecutorDto) }, { $ref: getSchemaPath(CommandExecutorDto) }] })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => UnknownExecutorDto, {
    keepDiscriminatorProperty: true,
    discriminator: {
      property: 'kind',
      subTypes: [
        { value: HttpExecutorDto, name: 'http' },
        { value: CommandExecutorDto, name: 'command' },
      ],
    },
  })
  executor: ExecutorDto;

  @ApiPropertyOptional({ type: [ParamDefDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => ParamDefDto)
  params?: ParamDefDto[];

  @ApiPropertyOptional({ type: RetryDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryDto)
  retry?: RetryDto;

  @ApiPropertyOptional({ type: ConcurrencyDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => ConcurrencyDto)
  concurrency?: ConcurrencyDto;

  @ApiPropertyOptional({ type: [ChainStepDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ChainStepDto)
  onSuccess?: ChainStepDto[];

  @ApiPropertyOptional({ type: [ChainStepDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => ChainStepDto)
  onFailure?: ChainStepDto[];

  @ApiPropertyOptional({ type: NeedsDto, nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => NeedsDto)
  needs?: NeedsDto | null;

  @ApiPropertyOptional({ type: TriggersDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TriggersDto)
  triggers?: TriggersDto;

  @ApiPropertyOptional({ type: [JobNotificationDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => JobNotificationDto)
  notifications?: JobNotificationDto[];

  @ApiPropertyOptional({ nullable: true, example: 'Asia/Tokyo' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string | null;
}

export class UpdateJobDto extends PartialType(CreateJobDto) implements UpdateJobRequest {
  @ApiPropertyOptional({ description: 'When given, must equal the stored version (409 otherwise)' })
  @IsOptional()
  @IsInt()
  version?: number;
}

export class RenderRequestDto implements RenderRequest {
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  params?: Record<string, JsonValue>;

  @ApiPropertyOptional({ description: 'Render as if at this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  now?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Render as if the run were made for this push (push.after, push.branch, …)',
  })
  @IsOptional()
  @IsJsonObject()
  push?: Record<string, JsonValue>;
}

export class JobListQueryDto extends PageQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  group?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ description: 'Substring of name, title or description' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
