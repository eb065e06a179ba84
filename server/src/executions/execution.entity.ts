import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

import type { ExecutionFanOutInfo } from '@api-manager/contracts';
import type { ExecutionStatus } from '../common/statuses.js';

export type ExecutionStatusValue = ExecutionStatus;
export type ExecutionTriggerValue = 'manual' | 'api' | 'schedule' | 'webhook' | 'chain' | 'retry' | 'fanout';

/** One run of a job (table `executions`): the queue row and its history at once. */
@Entity('executions')
export class Execution {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'job_id' })
  jobId: string;

  @Column('text', { name: 'job_name' })
  jobName: string;

  @Column('text')
  trigger: ExecutionTriggerValue;

  @Column('text', { name: 'trigger_ref', nullable: true })
  triggerRef: string | null;

  @Column('text', { nullable: true })
  actor: string | null;

  @Column('uuid', { name: 'schedule_id', nullable: true })
  scheduleId: string | null;

  @Column('timestamptz', { name: 'scheduled_for', nullable: true })
  scheduledFor: Date | null;

  @Column('uuid', { name: 'delivery_id', nullable: true })
  deliveryId: string | null;

  @Column('uuid', { name: 'parent_id', nullable: true })
  parentId: string | null;

  @Column('uuid', { name: 'retry_of', nullable: true })
  retryOf: string | null;

  @Column('text', { name: 'idempotency_key', nullable: true })
  idempotencyKey: string | null;

  @Column('jsonb', { default: () => "'{}'" })
  params: Record<string, unknown>;

  @Column('text', { default: 'queued' })
  status: ExecutionStatusValue;

  @Column('int', { default: 1 })
  attempt: number;

  @Column('int', { name: 'max_attempts', default: 1 })
  maxAttempts: number;

  @Column('timestamptz', { name: 'run_at', default: () => 'now()' })
  runAt: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @Column('int', { name: 'duration_ms', nullable: true })
  durationMs: number | null;

  @Column('text', { name: 'lease_owner', nullable: true })
  leaseOwner: string | null;

  @Column('timestamptz', { name: 'lease_until', nullable: true })
  leaseUntil: Date | null;

  @Column('boolean', { name: 'cancel_requested', default: false })
  cancelRequested: boolean;

  /** The request as sent, secrets masked. */
  @Column('jsonb', { nullable: true })
  request: Record<string, unknown> | null;

  /** `{ status, headers, body, bytes, truncated }` */
  @Column('jsonb', { nullable: true })
  response: Record<string, unknown> | null;

  @Column('text', { nullable: true })
  error: string | null;

  /** One entry per finished attempt: `{ attempt, startedAt, finishedAt, status, error, httpStatus }`. */
  @Column('jsonb', { default: () => "'[]'" })
  attempts: Record<string, unknown>[];

  @Column('int', { name: 'children_total', default: 0 })
  childrenTotal: number;

  @Column('int', { name: 'children_done', default: 0 })
  childrenDone: number;

  @Column('int', { name: 'children_failed', default: 0 })
  childrenFailed: number;

  /** Fan-out children cancelled (counted apart from failed ones). */
  @Column('int', { name: 'children_cancelled', default: 0 })
  childrenCancelled: number;

  /** The push this run was made for (a webhook run, or a fan-out child / chain step of one); null otherwise. */
  @Column('jsonb', { nullable: true })
  push: Record<string, unknown> | null;

  /** The pipeline run (pipelines/) this execution belongs to: set for runs started through chains and fan-ins. */
  @Column('uuid', { name: 'pipeline_run_id', nullable: true })
  pipelineRunId: string | null;

  /** A fan-out parent's dimensions, parallelism and fetched source (executions/fanout/); read by its store. */
  @Column('jsonb', { name: 'fan_out', nullable: true })
  fanOut?: ExecutionFanOutInfo | null;
}
