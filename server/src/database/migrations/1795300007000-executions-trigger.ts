import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * History filters found slow by chaos scale (1,000,000 executions):
 * - by trigger: a rare (or absent) trigger walked the whole created_at index, filtering every row;
 * - by job and status: Postgres ANDed the job and status indexes (every row of each) and sorted.
 */
export class ExecutionsTrigger1795300007000 implements MigrationInterface {
  name = 'ExecutionsTrigger1795300007000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX executions_trigger_created_idx ON executions (trigger, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX executions_job_status_created_idx ON executions (job_id, status, created_at DESC, id DESC)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX executions_job_status_created_idx');
    await q.query('DROP INDEX executions_trigger_created_idx');
  }
}
