import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type {
  WebhookDeliveryDetail,
  WebhookDeliveryExecution,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookDeliverySummary,
  WebhookDryRunRequest,
  WebhookDryRunResponse,
  WebhookFileHit,
  WebhookHeadCommit,
  WebhookJobMatch,
  WebhookOutcome,
  WebhookProviderName,
  WebhookRepoConfig,
  WebhookReceiveResponse,
  WebhookReplayRequest,
  WebhookReplayResponse,
  WebhookTriggerResult,
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
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { WEBHOOK_PROVIDERS } from '../../../../libs/contracts/src/webhooks.js';

const PROVIDERS = WEBHOOK_PROVIDERS;
const OUTCOMES = ['triggered', 'no_match', 'skipped', 'deleted', 'ignored', 'ping'] as const;

export class DeliveryQueryDto implements WebhookDeliveryQuery {
  @ApiPropertyOptional({ enum: PROVIDERS }) @IsOptional() @IsIn(PROVIDERS) provider?: WebhookProviderName;
  @ApiPropertyOptional({ description: 'owner/name (case-insensitive)' })
  @IsOptional()
  @IsString()
  @MaxLength(300)
  repository?: string;
  @ApiPropertyOptional({ enum: OUTCOMES }) @IsOptional() @IsIn(OUTCOMES) outcome?: WebhookOutcome;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(100) event?: string;
  @ApiPropertyOptional({ description: 'Deliveries that triggered this job (name)' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  job?: string;
  @ApiPropertyOptional({ description: 'ISO 8601, inclusive' }) @IsOptional() @IsISO8601() since?: string;
  @ApiPropertyOptional({ description: 'ISO 8601, exclusive' }) @IsOptional() @IsISO8601() until?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsUUID() cursor?: string;
}

export class ReplayDto implements WebhookReplayRequest {
  @ApiPropertyOptional({ description: 'Run even if the head commit carries a skip marker', default: false })
  @IsOptional()
  @IsBoolean()
  ignoreSkip?: boolean;
}

export class DryRunDto implements WebhookDryRunRequest {
  @ApiProperty({
    example: 'push',
    description: 'The event header value (X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event)',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  event: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'The delivery payload as the provider sends it',
  })
  @IsObject()
  payload: Record<string, unknown>;

  @ApiPropertyOptional({ enum: PROVIDERS, default: 'github' })
  @IsOptional()
  @IsIn(PROVIDERS)
  provider?: WebhookProviderName;
}

export class WebhookReceiveResponseDto implements WebhookReceiveResponse {
  @ApiProperty({ enum: ['ok'] }) status: 'ok';
  @ApiProperty({ type: [String] }) triggered_jobs: string[];
  @ApiProperty() delivery_id: string;
  @ApiPropertyOptional({ description: 'Skip marker or reason' }) skipped?: string;
  @ApiPropertyOptional() ignored?: string;
  @ApiPropertyOptional({ description: 'A redelivery: the first answer, nothing triggered again' }) duplicate?: boolean;
  @ApiPropertyOptional() message?: string;
  @ApiPropertyOptional({ description: "Why the repository's CI file could not be used (none of its jobs ran)" })
  repo_config_error?: string;
}

export class RepoConfigDto implements WebhookRepoConfig {
  @ApiProperty({ type: String, nullable: true, description: '.api-manager.yaml or .toyci.yaml' }) file: string | null;
  @ApiProperty({ description: 'The commit the file was read at' }) commit: string;
  @ApiProperty({ type: [String] }) jobs: string[];
  @ApiProperty({ type: String, nullable: true }) error: string | null;
}

export class WebhookReplayResponseDto extends WebhookReceiveResponseDto implements WebhookReplayResponse {
  @ApiProperty() replay_of: string;
}

export class WebhookErrorDto {
  @ApiProperty({ enum: ['error'] }) status: 'error';
  @ApiProperty() message: string;
}

export class FileHitDto implements WebhookFileHit {
  @ApiProperty() file: string;
  @ApiProperty() pattern: string;
}

export class TriggerResultDto implements WebhookTriggerResult {
  @ApiProperty() trigger: number;
  @ApiProperty() matched: boolean;
  @ApiProperty() reason: string;
  @ApiProperty({ type: [FileHitDto] }) matchedFiles: FileHitDto[];
  @ApiProperty() matchedFileCount: number;
  @ApiProperty({ type: [FileHitDto] }) excludedFiles: FileHitDto[];
}

export class JobMatchDto implements WebhookJobMatch {
  @ApiProperty() jobId: string;
  @ApiProperty() jobName: string;
  @ApiProperty() matched: boolean;
  @ApiProperty() reason: string;
  @ApiProperty({ type: [TriggerResultDto] }) triggers: TriggerResultDto[];
  @ApiPropertyOptional({ type: String, nullable: true }) executionId?: string | null;
  @ApiPropertyOptional() error?: string;
}

export class HeadCommitDto implements WebhookHeadCommit {
  @ApiProperty() id: string;
  @ApiProperty() message: string;
  @ApiProperty({ type: String, nullable: true }) author: string | null;
}

export class DeliverySummaryDto implements WebhookDeliverySummary {
  @ApiProperty() id: string;
  @ApiProperty({ description: "The provider's delivery id (X-GitHub-Delivery…)" }) deliveryKey: string;
  @ApiProperty({ enum: PROVIDERS }) provider: WebhookProviderName;
  @ApiProperty() event: string;
  @ApiProperty({ enum: OUTCOMES }) outcome: WebhookOutcome;
  @ApiProperty({ type: String, nullable: true }) repository: string | null;
  @ApiProperty({ type: String, nullable: true }) ref: string | null;
  @ApiProperty({ type: String, nullable: true }) before: string | null;
  @ApiProperty({ type: String, nullable: true }) after: string | null;
  @ApiProperty({ type: HeadCommitDto, nullable: true }) headCommit: HeadCommitDto | null;
  @ApiProperty() changedFileCount: number;
  @ApiProperty({ type: String, nullable: true }) untrustedReason: string | null;
  @ApiProperty({ type: String, nullable: true }) skipReason: string | null;
  @ApiProperty({ type: [String] }) triggeredJobs: string[];
  @ApiProperty() responseCode: number;
  @ApiProperty({ type: String, nullable: true }) replayOf: string | null;
  @ApiProperty({ type: String, nullable: true }) actor: string | null;
  @ApiProperty() duplicateCount: number;
  @ApiProperty() createdAt: string;
}

export class DeliveryExecutionDto implements WebhookDeliveryExecution {
  @ApiProperty() id: string;
  @ApiProperty() jobName: string;
  @ApiProperty() status: string;
}

export class DeliveryDetailDto extends DeliverySummaryDto implements WebhookDeliveryDetail {
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Credentials masked' })
  headers: Record<string, string>;
  @ApiProperty({ type: [String] }) changedFiles: string[];
  @ApiProperty({ type: [JobMatchDto] }) matches: JobMatchDto[];
  @ApiProperty({ type: [DeliveryExecutionDto] }) executions: DeliveryExecutionDto[];
  @ApiProperty({ type: WebhookReceiveResponseDto }) response: WebhookReceiveResponseDto;
  @ApiProperty({ type: [String] }) replays: string[];
  @ApiProperty({ type: RepoConfigDto, nullable: true }) repoConfig: RepoConfigDto | null;
}

export class DeliveryPageDto implements WebhookDeliveryPage {
  @ApiProperty({ type: [DeliverySummaryDto] }) items: DeliverySummaryDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class DryRunResponseDto implements WebhookDryRunResponse {
  @ApiProperty() event: string;
  @ApiProperty({ enum: OUTCOMES }) outcome: WebhookOutcome;
  @ApiProperty({ type: [String] }) wouldTrigger: string[];
  @ApiProperty({ type: String, nullable: true }) skipReason: string | null;
  @ApiProperty({ type: String, nullable: true }) untrustedReason: string | null;
  @ApiProperty({ type: String, nullable: true }) repository: string | null;
  @ApiProperty({ type: String, nullable: true }) ref: string | null;
  @ApiProperty({ type: [String] }) changedFiles: string[];
  @ApiProperty({ type: [JobMatchDto] }) matches: JobMatchDto[];
}
