import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { GithubTrigger, JobTriggers, JsonValue, WebhookProviderName } from '@api-manager/contracts';
import { WEBHOOK_PROVIDERS } from '../../../../libs/contracts/src/webhooks.js';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsOptional, IsString, Matches, ValidateNested } from 'class-validator';
import { IsJsonObject } from './validators.js';

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
