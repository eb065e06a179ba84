import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Jobs, the executions queue/history and their logs. */
export class Engine1795300000000 implements MigrationInterface {
  name = 'Engine1795300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE jobs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        title text NOT NULL DEFAULT '',
        job_group text,
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        executor jsonb NOT NULL,
        params jsonb NOT NULL DEFAULT '[]',
        retry jsonb NOT NULL DEFAULT '{}',
        concurrency jsonb NOT NULL DEFAULT '{}',
        on_success jsonb NOT NULL DEFAULT '[]',
        on_failure jsonb NOT NULL DEFAULT '[]',
        triggers jsonb NOT NULL DEFAULT '{}',
        timezone text,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT jobs_name_unique UNIQUE (name),
        CONSTRAINT jobs_name_slug CHECK (name ~ '^[a-z0-9][a-z0-9._-]{0,99}$')
      )`);
    await q.query(`
      CREATE TABLE executions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        job_name text NOT NULL,
        trigger text NOT NULL,
        trigger_ref text,
        actor text,
        schedule_id uuid,
        scheduled_for timestamptz,
        delivery_id uuid,
        parent_id uuid REFERENCES executions(id) ON DELETE CASCADE,
        retry_of uuid,
        idempotency_key text,
        params jsonb NOT NULL DEFAULT '{}',
        status text NOT NULL DEFAULT 'queued',
        attempt integer NOT NULL DEFAULT 1,
        max_attempts integer NOT NULL DEFAULT 1,
        run_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz,
        duration_ms integer,
        lease_owner text,
        lease_until timestamptz,
        cancel_requested boolean NOT NULL DEFAULT false,
        request jsonb,
        response jsonb,
        error text,
        attempts jsonb NOT NULL DEFAULT '[]',
        children_total integer NOT NULL DEFAULT 0,
        children_done integer NOT NULL DEFAULT 0,
        children_failed integer NOT NULL DEFAULT 0,
        CONSTRAINT executions_trigger_check CHECK (trigger IN ('manual','api','schedule','webhook','chain','retry','fanout')),
        CONSTRAINT executions_status_check CHECK (status IN ('queued','running','succeeded','failed','timed_out','cancelled','skipped','partial','lost'))
      )`);
    // The queue: claim scans only queued rows in run_at order (index-driven even before ANALYZE).
    await q.query(`CREATE INDEX executions_claim_idx ON executions (run_at) WHERE status = 'queued'`);
    // The reaper: running rows by lease expiry.
    await q.query(`CREATE INDEX executions_lease_idx ON executions (lease_until) WHERE status = 'running'`);
    // History: newest first, overall and per job / status / trigger.
    await q.query(`CREATE INDEX executions_created_idx ON executions (created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX executions_job_created_idx ON executions (job_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX executions_status_created_idx ON executions (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX executions_parent_idx ON executions (parent_id) WHERE parent_id IS NOT NULL`);
    await q.query(`CREATE INDEX executions_delivery_idx ON executions (delivery_id) WHERE delivery_id IS NOT NULL`);
    // Guarantee 1: a schedule slot becomes at most one execution, whichever replica inserts it.
    await q.query(
      `CREATE UNIQUE INDEX executions_schedule_slot_uq ON executions (schedule_id, scheduled_for) WHERE schedule_id IS NOT NULL`,
    );
    // Same idempotency key on the same job -> the same execution.
    await q.query(
      `CREATE UNIQUE INDEX executions_idempotency_uq ON executions (job_id, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE execution_logs (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        execution_id uuid NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        at timestamptz NOT NULL DEFAULT now(),
        level text NOT NULL DEFAULT 'info',
        message text NOT NULL
      )`);
    await q.query(`CREATE INDEX execution_logs_execution_idx ON execution_logs (execution_id, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE execution_logs');
    await q.query('DROP TABLE executions');
    await q.query('DROP TABLE jobs');
  }
}
