import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook sources (per-repository secrets) and the deliveries log; executions.delivery_id -> deliveries. */
export class Webhooks1795300002000 implements MigrationInterface {
  name = 'Webhooks1795300002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhook_sources (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        provider text NOT NULL,
        repository text,
        secret text,
        insecure boolean NOT NULL DEFAULT false,
        description text NOT NULL DEFAULT '',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_sources_provider_check CHECK (provider IN ('github','gitlab','gitea')),
        CONSTRAINT webhook_sources_secret_check CHECK (secret IS NOT NULL OR insecure)
      )`);
    // One source per provider and repository (NULL repository = the provider-wide source).
    await q.query(
      `CREATE UNIQUE INDEX webhook_sources_repo_uq ON webhook_sources (provider, (lower(coalesce(repository, ''))))`,
    );
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        delivery_key text NOT NULL,
        provider text NOT NULL,
        event text NOT NULL,
        outcome text NOT NULL,
        repository text,
        ref text,
        before_sha text,
        after_sha text,
        head_commit jsonb,
        changed_file_count integer NOT NULL DEFAULT 0,
        changed_files jsonb NOT NULL DEFAULT '[]',
        untrusted_reason text,
        skip_reason text,
        matches jsonb NOT NULL DEFAULT '[]',
        triggered_jobs text[] NOT NULL DEFAULT '{}',
        push jsonb,
        headers jsonb NOT NULL DEFAULT '{}',
        response_code integer NOT NULL,
        response jsonb NOT NULL,
        source_id uuid REFERENCES webhook_sources(id) ON DELETE SET NULL,
        replay_of uuid REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
        actor text,
        duplicate_count integer NOT NULL DEFAULT 0,
        last_duplicate_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT webhook_deliveries_outcome_check
          CHECK (outcome IN ('triggered','no_match','skipped','deleted','ignored','ping'))
      )`);
    // Guarantee 3: a provider's delivery id is processed once.
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_key_uq ON webhook_deliveries (provider, delivery_key)`);
    await q.query(`CREATE INDEX webhook_deliveries_created_idx ON webhook_deliveries (created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX webhook_deliveries_repo_created_idx ON webhook_deliveries (lower(repository), created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_outcome_created_idx ON webhook_deliveries (outcome, created_at DESC, id DESC)`,
    );
    await q.query(
      `CREATE INDEX webhook_deliveries_replay_idx ON webhook_deliveries (replay_of) WHERE replay_of IS NOT NULL`,
    );
    await q.query(`
      ALTER TABLE executions ADD CONSTRAINT executions_delivery_fk
        FOREIGN KEY (delivery_id) REFERENCES webhook_deliveries(id) ON DELETE SET NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE executions DROP CONSTRAINT executions_delivery_fk');
    await q.query('DROP TABLE webhook_deliveries');
    await q.query('DROP TABLE webhook_sources');
  }
}
