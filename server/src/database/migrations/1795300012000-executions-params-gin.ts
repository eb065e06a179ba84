import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The history's param filter (GET /executions?param=device_id:abc) asks `params @> '{"device_id":"abc"}'`:
 * a GIN index (jsonb_path_ops: containment only, smaller than the default opclass) finds those rows
 * without reading every execution's params.
 */
export class ExecutionsParamsGin1795300012000 implements MigrationInterface {
  name = 'ExecutionsParamsGin1795300012000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX executions_params_gin ON executions USING gin (params jsonb_path_ops)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX executions_params_gin');
  }
}
