import type { WebhookRepoConfig } from '@api-manager/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One received (or replayed) delivery (table `webhook_deliveries`); written with its executions in one transaction. */
@Entity('webhook_deliveries')
export class WebhookDelivery {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** The provider's delivery id (X-GitHub-Delivery…), unique per provider. */
  @Column('text', { name: 'delivery_key' })
  deliveryKey: string;

  @Column('text')
  provider: string;

  @Column('text')
  event: string;

  @Column('text')
  outcome: string;

  @Column('text', { nullable: true })
  repository: string | null;

  @Column('text', { nullable: true })
  ref: string | null;

  @Column('text', { name: 'before_sha', nullable: true })
  beforeSha: string | null;

  @Column('text', { name: 'after_sha', nullable: true })
  afterSha: string | null;

  @Column('jsonb', { name: 'head_commit', nullable: true })
  headCommit: Record<string, unknown> | null;

  @Column('int', { name: 'changed_file_count', default: 0 })
  changedFileCount: number;

  @Column('jsonb', { name: 'changed_files', default: () => "'[]'" })
  changedFiles: string[];

  @Column('text', { name: 'untrusted_reason', nullable: true })
  untrustedReason: string | null;

  @Column('text', { name: 'skip_reason', nullable: true })
  skipReason: string | null;

  @Column('jsonb', { default: () => "'[]'" })
  matches: Record<string, unknown>[];

  @Column('text', { name: 'triggered_jobs', array: true, default: () => "'{}'" })
  triggeredJobs: string[];

  /** The normalized push (what a replay re-evaluates). */
  @Column('jsonb', { nullable: true })
  push: Record<string, unknown> | null;

  /** Request headers, credentials masked. */
  @Column('jsonb', { default: () => "'{}'" })
  headers: Record<string, string>;

  @Column('int', { name: 'response_code' })
  responseCode: number;

  @Column('jsonb')
  response: Record<string, unknown>;

  @Column('uuid', { name: 'source_id', nullable: true })
  sourceId: string | null;

  @Column('uuid', { name: 'replay_of', nullable: true })
  replayOf: string | null;

  @Column('text', { nullable: true })
  actor: string | null;

  /** The repository's CI file read for this push (sources with repoConfig). */
  @Column('jsonb', { name: 'repo_config', nullable: true })
  repoConfig: WebhookRepoConfig | null;

  @Column('int', { name: 'duplicate_count', default: 0 })
  duplicateCount: number;

  @Column('timestamptz', { name: 'last_duplicate_at', nullable: true })
  lastDuplicateAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
