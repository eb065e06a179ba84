import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** Where signed deliveries come from (table `webhook_sources`): the secret is stored encrypted (SecretBox). */
@Entity('webhook_sources')
export class WebhookSource {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column('text')
  provider: 'github' | 'gitlab' | 'gitea';

  /** owner/name; null = every repository of that provider without a source of its own. */
  @Column('text', { nullable: true })
  repository: string | null;

  /** `enc:v1:...` (never returned by the API). */
  @Column('text', { nullable: true })
  secret: string | null;

  /** Accept unsigned deliveries for this repository (explicit opt-in). */
  @Column('boolean', { default: false })
  insecure: boolean;

  /** Read `.api-manager.yaml` / `.toyci.yaml` from pushed commits and run their jobs (signed only). */
  @Column('boolean', { name: 'repo_config', default: false })
  repoConfig: boolean;

  @Column('text', { default: '' })
  description: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
