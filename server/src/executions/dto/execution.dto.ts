import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXECUTION_STATUSES } from '../../common/statuses.js';
import type {
  ExecutionAttempt,
  ExecutionDetail,
  ExecutionList,
  ExecutionLogLine,
  ExecutionNotification,
  ExecutionRequestSnapshot,
  ExecutionResponseSnapshot,
  ExecutionStatus,
  ExecutionSummary,
  ExecutionTrigger,
  JobRunCounts,
  JobStatus,
  JobStatusBatch,
  NotificationEvent,
  NotificationStatus,
  RunJobResponse,
} from '@api-manager/contracts';

export const STATUSES: readonly ExecutionStatus[] = EXECUTION_STATUSES;
export const TRIGGERS: ExecutionTrigger[] = ['manual', 'api', 'schedule', 'webhook', 'chain', 'retry', 'fanout'];

export class ProgressDto {
  @ApiProperty() total: number;
  @ApiProperty() done: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'Cancelled children (not counted as failed)' }) cancelled: number;
}

export class ExecutionSummaryDto implements ExecutionSummary {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) jobId: string;
  @ApiProperty() jobName: string;
  @ApiProperty({ enum: TRIGGERS }) trigger: ExecutionTrigger;
  @ApiProperty({ nullable: true, type: String }) triggerRef: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'triggerRef by name: a user, token or schedule' })
  triggerName: string | null;
  @ApiProperty({ nullable: true, type: String }) actor: string | null;
  @ApiProperty({ enum: STATUSES }) status: ExecutionStatus;
  @ApiProperty() attempt: number;
  @ApiProperty() maxAttempts: number;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'Resolved params; secret ones are ***' })
  params: Record<string, unknown>;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) parentId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) retryOf: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) scheduleId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) scheduledFor: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) deliveryId: string | null;
  @ApiProperty({ nullable: true, type: String }) idempotencyKey: string | null;
  @ApiProperty({ format: 'date-time' }) runAt: string;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) startedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) finishedAt: string | null;
  @ApiProperty({ nullable: true, type: Number }) durationMs: number | null;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: Number }) httpStatus: number | null;
  @ApiProperty({ nullable: true, type: ProgressDto, description: 'Fan-out parents only' })
  progress: ProgressDto | null;
  @ApiPropertyOptional({
    nullable: true,
    description: 'Fan-out children (in GET /executions): { param, value } of the item this child ran for',
  })
  fanOutItem?: { param: string; value: string } | null;
}

export class ExecutionAttemptDto implements ExecutionAttempt {
  @ApiProperty() attempt: number;
  @ApiProperty({ nullable: true, type: String }) startedAt: string | null;
  @ApiProperty() finishedAt: string;
  @ApiProperty() status: string;
  @ApiProperty({ nullable: true, type: String }) error: string | null;
  @ApiProperty({ nullable: true, type: Number }) httpStatus: number | null;
}

export class ExecutionLogLineDto implements ExecutionLogLine {
  @ApiPropertyOptional({ description: 'The line id (increasing; log events carry the same ids)' }) id?: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty() level: string;
  @ApiProperty() message: string;
}

export class ExecutionRequestDto implements ExecutionRequestSnapshot {
  @ApiProperty() method: string;
  @ApiProperty() url: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiPropertyOptional({ description: 'Body as sent (secrets masked)' }) body?: unknown;
}

export class ExecutionResponseDto implements ExecutionResponseSnapshot {
  @ApiProperty() status: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) headers: Record<string, string>;
  @ApiProperty({ description: 'JSON value or text, capped at maxResponseBytes' }) body: unknown;
  @ApiProperty() bytes: number;
  @ApiProperty() truncated: boolean;
}

export class ExecutionNotificationDto implements ExecutionNotification {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() channel: string;
  @ApiProperty({ enum: ['failure', 'recovery', 'success'] }) event: NotificationEvent;
  @ApiProperty({ enum: ['pending', 'sent', 'failed', 'rate_limited'] }) status: NotificationStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({ nullable: true, type: String }) lastError: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) sentAt: string | null;
}

export class ExecutionDetailDto extends ExecutionSummaryDto implements ExecutionDetail {
  @ApiProperty({ nullable: true, type: ExecutionRequestDto }) request: ExecutionRequestDto | null;
  @ApiProperty({ nullable: true, type: ExecutionResponseDto }) response: ExecutionResponseDto | null;
  @ApiProperty({ type: [ExecutionAttemptDto] }) attempts: ExecutionAttemptDto[];
  @ApiProperty({ type: [ExecutionLogLineDto] }) logs: ExecutionLogLineDto[];
  @ApiProperty({ type: [ExecutionSummaryDto] }) children: ExecutionSummaryDto[];
  @ApiProperty({ nullable: true, type: ExecutionSummaryDto }) parent: ExecutionSummaryDto | null;
  @ApiPropertyOptional({ type: [ExecutionNotificationDto], description: 'Notifications recorded for this execution' })
  notifications?: ExecutionNotificationDto[];
}

export class ExecutionListDto implements ExecutionList {
  @ApiProperty({ type: [ExecutionSummaryDto] }) items: ExecutionSummaryDto[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass as `cursor` for the next (older) page' })
  nextCursor: string | null;
}

export class RunJobResponseDto implements RunJobResponse {
  @ApiProperty({ type: ExecutionSummaryDto }) execution: ExecutionSummaryDto;
}

export class JobRunCountsDto implements JobRunCounts {
  @ApiProperty() succeeded: number;
  @ApiProperty() failed: number;
}

export class FanOutChildCountsDto {
  @ApiProperty({ type: JobRunCountsDto }) last24h: JobRunCountsDto;
  @ApiProperty({ type: JobRunCountsDto }) last7d: JobRunCountsDto;
}

export class DurationStatsDto {
  @ApiProperty({ nullable: true, type: Number }) p50: number | null;
  @ApiProperty({ nullable: true, type: Number }) p95: number | null;
}

export class JobStatusDto implements JobStatus {
  @ApiProperty() job: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) nextRun: string | null;
  @ApiProperty({ nullable: true, type: ExecutionSummaryDto }) lastRun: ExecutionSummaryDto | null;
  @ApiProperty({ nullable: true, enum: STATUSES }) lastStatus: ExecutionStatus | null;
  @ApiProperty() running: number;
  @ApiProperty() queued: number;
  @ApiProperty({ type: JobRunCountsDto }) last24h: JobRunCountsDto;
  @ApiProperty({ type: JobRunCountsDto }) last7d: JobRunCountsDto;
  @ApiProperty({ type: DurationStatsDto, description: 'Succeeded runs of the last 7 days' })
  durationMs: DurationStatsDto;
  @ApiProperty({ type: FanOutChildCountsDto, description: 'Fan-out children, counted apart from runs' })
  fanOutChildren: FanOutChildCountsDto;
  @ApiProperty({ description: 'How the numbers are counted, in words' }) counting: string;
}

export class JobStatusBatchDto implements JobStatusBatch {
  @ApiProperty({ type: [JobStatusDto], description: 'One per distinct requested job, in the order asked' })
  items: JobStatusDto[];
}
