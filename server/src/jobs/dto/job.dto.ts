import { PageQueryDto } from '../../common/paging.js';
import { NeedsDto } from './needs.dto.js';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath, PartialType } from '@nestjs/swagger';
import type {
  ChainStep,
  CommandCheckout,
  CommandCommitBack,
  CommandExecutorDefinition,
  ConcurrencyPolicy,
  CreateJobRequest,
  GithubTrigger,
  HttpExecutorDefinition,
  HttpMethod,
  JobTriggers,
  JsonValue,
  ParamDefinition,
  ParamType,
  RenderRequest,
  RetryPolicy,
  SecretInput,
  SuccessStatus,
  UpdateJobRequest,
  WebhookProviderName,
} from '@api-manager/contracts';
import { WEBHOOK_PROVIDERS } from '../../../../libs/contracts/src/webhooks.js';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsDefined,
  IsNotEmpty,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  NotContains,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsTimeZone } from '../../config/is-time-zone.js';
import { FanOutSourceDto } from './fanout-source.dto.js';
import { JobNotificationDto } from './job-notification.dto.js';
import {
  IsEnvMap,
  IsHeaderMap,
  IsJsonObject,
  IsQueryMap,
  IsRegExpSource,
  IsSecretInput,
  IsSuccessStatusList,
  IsUrlTemplate,
} from './validators.js';

export const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const HTTP_METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const PARAM_TYPES: ParamType[] = [
  'string',
  'number',
  'boolean',
  'date',
  'datetime',
  'enum',
  'string[]',
  'daterange',
];
const NAME_MESSAGE =
  '$property must be a slug: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 100 characters';
const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value);

export class HttpExecutorDto implements HttpExecutorDefinition {
  @ApiProperty({ enum: ['http'] })
  @IsIn(['http'])
  kind: 'http';

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'GET' })
  @IsOptional()
  @Transform(upper)
  @IsIn(HTTP_METHODS)
  method?: HttpMethod;

  @ApiProperty({ example: 'http://api-gen-prompt:8009/generate?date={{ params.date }}' })
  @IsUrlTemplate()
  url: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
  })
  @IsOptional()
  @IsQueryMap()
  query?: Record<string, string | string[]>;

  @ApiPropertyOptional({
    type: 'object',
    description: 'Values are templates, or {"secret": true, "value": "..."} (stored encrypted, never returned).',
    additionalProperties: {
      oneOf: [
        { type: 'string' },
        { type: 'object', properties: { secret: { type: 'boolean' }, value: { type: 'string' } } },
      ],
    },
  })
  @IsOptional()
  @IsHeaderMap()
  headers?: Record<string, string | SecretInput>;

  @ApiPropertyOptional({
    description: 'JSON value (strings inside are templates, sent as application/json) or a text template',
    oneOf: [{ type: 'object' }, { type: 'array', items: {} }, { type: 'string' }],
  })
  @Allow()
  body?: JsonValue;

  @ApiPropertyOptional({ default: 30000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3_600_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ example: ['2xx', 304], oneOf: [{ type: 'array', items: {} }] })
  @IsOptional()
  @IsSuccessStatusList()
  successStatuses?: SuccessStatus[];

  @ApiPropertyOptional({ default: 1048576 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100 * 1024 * 1024)
  maxResponseBytes?: number;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  followRedirects?: boolean;
}

export class CheckoutDto implements CommandCheckout {
  @ApiPropertyOptional({
    nullable: true,
    description: 'Clone URL or server path; default: the repository of the triggering push',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @Matches(/^[^-\s][^\s]*$/, { message: '$property must be a clone URL or path (no spaces, not starting with -)' })
  url?: string | null;

  @ApiPropertyOptional({ nullable: true, description: 'Branch, tag or commit for runs without a push (template)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  ref?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: 'object',
    properties: { secret: { type: 'boolean' }, value: { type: 'string' } },
    description: '{"secret": true, "value": "..."}: given to git as an Authorization header, never in the URL',
  })
  @IsOptional()
  @IsSecretInput()
  token?: SecretInput | null;

  @ApiPropertyOptional({ default: 'x-access-token' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @NotContains(':', { message: '$property must not contain ":"' })
  tokenUser?: string;

  @ApiPropertyOptional({ default: 50, description: '0 = full history' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(100_000)
  depth?: number;
}

export class CommitBackDto implements CommandCommitBack {
  @ApiPropertyOptional({ default: 'API Manager' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  @Matches(/^[^<>\n]+$/, { message: '$property must not contain <, > or line breaks' })
  authorName?: string;

  @ApiPropertyOptional({ default: 'api-manager@localhost' })
  @IsOptional()
  @IsEmail({ require_tld: false })
  authorEmail?: string;
}

export class CommandExecutorDto implements CommandExecutorDefinition {
  @ApiProperty({ enum: ['command'] })
  @IsIn(['command'])
  kind: 'command';

  @ApiProperty({ example: 'npm ci\nnpm test' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100_000)
  script: string;

  @ApiPropertyOptional({ default: '/bin/sh -e', description: 'Interpreter and flags, split at spaces' })
  @IsOptional()
  @IsString()
  @Matches(/^\S+( \S+)*$/, { message: '$property must be an interpreter path and flags separated by single spaces' })
  @MaxLength(500)
  shell?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Values are templates, or {"secret": true, "value": "..."}',
  })
  @IsOptional()
  @IsEnvMap()
  env?: Record<string, string | SecretInput>;

  @ApiPropertyOptional({ default: 600000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(86_400_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ nullable: true, description: 'Relative to the workspace (no leading / and no ..)' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  workingDirectory?: string | null;

  @ApiPropertyOptional({ type: CheckoutDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CheckoutDto)
  checkout?: CheckoutDto | null;

  @ApiPropertyOptional({ type: CommitBackDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => CommitBackDto)
  commitBack?: CommitBackDto | null;
}

/** Used for an executor whose kind is neither http nor command: only reports the kind. */
export class UnknownExecutorDto {
  @IsIn(['http', 'command'])
  kind: string;
}

export type ExecutorDto = HttpExecutorDto | CommandExecutorDto;

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

export class GithubTriggerDto implements GithubTrigger {
  @ApiPropertyOptional({ enum: WEBHOOK_PROVIDERS, default: 'github' })
  @IsOptional()
  @IsIn(WEBHOOK_PROVIDERS, { message: `$property must be one of ${WEBHOOK_PROVIDERS.join(', ')}` })
  provider?: WebhookProviderName;

  @ApiProperty({ example: 'org/repo' })
  @Matches(/^[\w.-]+\/[\w.-]+$/, { message: '$property must be owner/name' })
  repository: string;

  @ApiPropertyOptional({ type: [String], description: 'GitHub filter patterns for branch names' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  branches?: string[];

  @ApiPropertyOptional({ type: [String], description: "Branches that do not trigger (GitHub's branches-ignore)" })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  branchesIgnore?: string[];

  @ApiPropertyOptional({ type: [String], description: 'GitHub filter patterns for tag names' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @ApiPropertyOptional({ type: [String], description: "Tags that do not trigger (GitHub's tags-ignore)" })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  tagsIgnore?: string[];

  @ApiPropertyOptional({ type: [String], description: "GitHub filter patterns for changed paths (GitHub's paths)" })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  watchFiles?: string[];

  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @IsOptional()
  @IsJsonObject()
  params?: Record<string, JsonValue>;
}

export class TriggersDto implements JobTriggers {
  @ApiPropertyOptional({ type: [GithubTriggerDto] })
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => GithubTriggerDto)
  github?: GithubTriggerDto[];
}

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
