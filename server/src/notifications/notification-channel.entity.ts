import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { NotificationChannelType } from '@api-manager/contracts';

/** Where notifications go (table `notification_channels`). `url` and `secret` are stored encrypted (SecretBox). */
@Entity('notification_channels')
export class NotificationChannel {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text', { unique: true })
  name: string;

  @Column('text')
  type: NotificationChannelType;

  @Column('boolean', { default: true })
  enabled: boolean;

  @Column('text', { default: '' })
  description: string;

  /** `enc:v1:...`: Slack/Discord webhook URLs carry their token in the path. Never returned. */
  @Column('text', { nullable: true })
  url: string | null;

  /** Scheme and host of `url`, shown instead of it. */
  @Column('text', { name: 'url_hint', nullable: true })
  urlHint: string | null;

  /** `enc:v1:...` of the Standard Webhooks `whsec_` secret (webhook channels). Never returned. */
  @Column('text', { nullable: true })
  secret: string | null;

  @Column('text', { array: true, default: () => "'{}'" })
  recipients: string[];

  @Column('integer', { name: 'rate_limit_per_minute', default: 20 })
  rateLimitPerMinute: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
