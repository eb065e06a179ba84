import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Schedules: cron or interval per job, fired by every replica's ticker (see server/src/schedules). */
export class Schedules1795300001000 implements MigrationInterface {
  name = 'Schedules1795300001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE schedules (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        name text NOT NULL,
        cron text,
        interval_seconds integer,
        timezone text NOT NULL DEFAULT 'UTC',
        params jsonb NOT NULL DEFAULT '{}',
        enabled boolean NOT NULL DEFAULT true,
        starts_at timestamptz,
        ends_at timestamptz,
        misfire_policy text NOT NULL DEFAULT 'run_once',
        misfire_cap integer NOT NULL DEFAULT 100,
        next_run_at timestamptz,
        last_run_at timestamptz,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT schedules_job_name_unique UNIQUE (job_id, name),
        CONSTRAINT schedules_name_check CHECK (length(name) BETWEEN 1 AND 200),
        CONSTRAINT schedules_cron_xor_interval CHECK ((cron IS NULL) <> (interval_seconds IS NULL)),
        CONSTRAINT schedules_interval_check CHECK (interval_seconds IS NULL OR interval_seconds >= 1),
        CONSTRAINT schedules_misfire_policy_check CHECK (misfire_policy IN ('skip', 'run_once', 'run_all')),
        CONSTRAINT schedules_misfire_cap_check CHECK (misfire_cap BETWEEN 1 AND 10000),
        CONSTRAINT schedules_window_check CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
      )`);
    // The ticker: earliest due enabled schedule first (next_run_at is NULL when paused or ended).
    await q.query(`CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled`);
    await q.query(`CREATE INDEX schedules_job_idx ON schedules (job_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE schedules');
  }
}
