import type {
  ChainStep,
  ConcurrencyPolicy,
  ExecutorDefinition,
  JobNeeds,
  JobNotification,
  JobTriggers,
  ParamDefinition,
  RetryPolicy,
} from '@api-manager/contracts';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/** A job definition (table `jobs`). JSON columns hold the shapes of libs/contracts jobs.ts. */
@Entity('jobs')
export class Job {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  name: string;

  @Column('text', { default: '' })
  title: string;

  @Column('text', { name: 'job_group', nullable: true })
  group: string | null;

  @Column('text', { default: '' })
  description: string;

  @Column('boolean', { default: true })
  enabled: boolean;

  /** `{ kind: 'http', method, url, query, headers, body, timeoutMs, ... }`; secret values encrypted. */
  @Column('jsonb')
  executor: ExecutorDefinition;

  @Column('jsonb', { default: () => "'[]'" })
  params: ParamDefinition[];

  @Column('jsonb', { default: () => "'{}'" })
  retry: RetryPolicy;

  @Column('jsonb', { default: () => "'{}'" })
  concurrency: ConcurrencyPolicy;

  @Column('jsonb', { name: 'on_success', default: () => "'[]'" })
  onSuccess: ChainStep[];

  @Column('jsonb', { name: 'on_failure', default: () => "'[]'" })
  onFailure: ChainStep[];

  /** Fan-in (`{ jobs, key, onFailure, deadline, params }`), or null: see pipelines/. */
  @Column('jsonb', { nullable: true })
  needs: JobNeeds | null;

  @Column('jsonb', { default: () => "'{}'" })
  triggers: JobTriggers;

  /** `[{ channel, on: ['failure', 'recovery', 'success'] }]` (notifications module). */
  @Column('jsonb', { default: () => "'[]'" })
  notifications: JobNotification[];

  @Column('text', { nullable: true })
  timezone: string | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
