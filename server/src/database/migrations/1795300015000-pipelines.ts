import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 (pipelines): a job's fan-in (`jobs.needs`), one row per (fan-in job, key value) that
 * waits for the needed runs and fires once (`fan_in_slots`, unique per job and key), and pipeline
 * runs: every execution a root started through chains and fan-ins carries `pipeline_run_id`.
 */
export class Pipelines1795300015000 implements MigrationInterface {
  name = 'Pipelines1795300015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN needs jsonb`);
    await q.query(`
      CREATE TABLE pipeline_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        root_execution_id uuid NOT NULL UNIQUE REFERENCES executions(id) ON DELETE CASCADE,
        root_job_name text NOT NULL,
        trigger text NOT NULL,
        status text NOT NULL DEFAULT 'running'
          CONSTRAINT pipeline_runs_status_check CHECK (status IN ('running','succeeded','failed','partial','cancelled')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        counts jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX pipeline_runs_started ON pipeline_runs (started_at DESC, id DESC)`);
    await q.query(`ALTER TABLE executions ADD COLUMN pipeline_run_id uuid`);
    await q.query(
      `CREATE INDEX executions_pipeline_run ON executions (pipeline_run_id) WHERE pipeline_run_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE fan_in_slots (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        job_id uuid NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        job_name text NOT NULL,
        key_text text NOT NULL,
        key_names text[] NOT NULL,
        key_values jsonb NOT NULL,
        state text NOT NULL DEFAULT 'waiting'
          CONSTRAINT fan_in_slots_state_check CHECK (state IN ('waiting','fired','skipped','failed')),
        arrivals jsonb NOT NULL DEFAULT '{}',
        pipeline_run_id uuid REFERENCES pipeline_runs(id) ON DELETE SET NULL,
        execution_id uuid,
        reason text,
        created_at timestamptz NOT NULL DEFAULT now(),
        deadline_at timestamptz NOT NULL,
        settled_at timestamptz,
        CONSTRAINT fan_in_slots_key UNIQUE (job_id, key_text)
      )`);
    await q.query(`CREATE INDEX fan_in_slots_deadline ON fan_in_slots (deadline_at) WHERE state = 'waiting'`);
    await q.query(`CREATE INDEX fan_in_slots_run ON fan_in_slots (pipeline_run_id) WHERE pipeline_run_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE fan_in_slots`);
    await q.query(`DROP INDEX executions_pipeline_run`);
    await q.query(`ALTER TABLE executions DROP COLUMN pipeline_run_id`);
    await q.query(`DROP TABLE pipeline_runs`);
    await q.query(`ALTER TABLE jobs DROP COLUMN needs`);
  }
}
