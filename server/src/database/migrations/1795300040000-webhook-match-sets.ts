import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The job definitions a delivery's explanation refers to (webhooks/match-set.ts): one row per set of
 * jobs the matcher was compiled from (id = hash of the content), so a delivery stores a reference and
 * a code per job instead of every non-matching job's reason (26 kB per delivery against 100 jobs).
 */
export class WebhookMatchSets1795300040000 implements MigrationInterface {
  name = 'WebhookMatchSets1795300040000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_match_sets (
        id text PRIMARY KEY,
        jobs jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE webhook_match_sets');
  }
}
