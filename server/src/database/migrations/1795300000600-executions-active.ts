import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Executions: per-job counts of queued/running rows (concurrency limits, skip policy, job status) stay index-only. */
export class ExecutionsActive1795300000600 implements MigrationInterface {
  name = 'ExecutionsActive1795300000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX executions_job_active_idx ON executions (job_id, status) WHERE status IN ('queued', 'running')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX executions_job_active_idx');
  }
}
