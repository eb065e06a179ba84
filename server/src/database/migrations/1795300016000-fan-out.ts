import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 21 (pipelines: fan-out sources, matrix, backfill): how a fan-out parent was made, on the parent
 * row: `{parallelism?, dimensions?, sources?, backfill?}` (see libs/contracts fanout.ts). `parallelism`
 * is read by the claim (children of that parent running at once, across replicas). No new index:
 * a backfill's only-missing check reads a job's succeeded runs through executions_job_status_created_idx.
 */
export class FanOut1795300016000 implements MigrationInterface {
  name = 'FanOut1795300016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE executions ADD COLUMN fan_out jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE executions DROP COLUMN fan_out`);
  }
}
