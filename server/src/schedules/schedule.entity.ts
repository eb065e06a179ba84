import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';
import type { MisfirePolicy } from './schedule-clock.js';

/** A schedule of a job (table `schedules`): cron or interval, fired by the ticker. */
@Entity('schedules')
export class Schedule {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('uuid', { name: 'job_id' })
  jobId: string;

  @Column('text')
  name: string;

  @Column('text', { nullable: true })
  cron: string | null;

  @Column('int', { name: 'interval_seconds', nullable: true })
  intervalSeconds: number | null;

  @Column('text', { default: 'UTC' })
  timezone: string;

  @Column('jsonb', { default: () => "'{}'" })
  params: Record<string, unknown>;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('timestamptz', { name: 'starts_at', nullable: true })
  startsAt: Date | null;

  @Column('timestamptz', { name: 'ends_at', nullable: true })
  endsAt: Date | null;

  @Column('text', { name: 'misfire_policy', default: 'run_once' })
  misfirePolicy: MisfirePolicy;

  @Column('int', { name: 'misfire_cap', default: 100 })
  misfireCap: number;

  /** The next slot to fire; NULL when disabled or ended. Advanced by the ticker in the firing transaction. */
  @Column('timestamptz', { name: 'next_run_at', nullable: true })
  nextRunAt: Date | null;

  /** The latest slot fired. */
  @Column('timestamptz', { name: 'last_run_at', nullable: true })
  lastRunAt: Date | null;

  @VersionColumn()
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
