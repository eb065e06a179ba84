import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CI configuration in the repository: a webhook source may opt in to reading `.toyci.yaml` /
 * `.api-manager.yaml` from the pushed commit (`repo_config`), and each delivery records which file
 * at which commit gave which jobs, or why it could not be read (`webhook_deliveries.repo_config`).
 */
export class RepoConfig1795300009100 implements MigrationInterface {
  name = 'RepoConfig1795300009100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_sources ADD COLUMN repo_config boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE webhook_deliveries ADD COLUMN repo_config jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE webhook_deliveries DROP COLUMN repo_config');
    await q.query('ALTER TABLE webhook_sources DROP COLUMN repo_config');
  }
}
