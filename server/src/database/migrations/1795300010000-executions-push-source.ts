import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The push a webhook run was made for is stored whole with the execution (the push summary of its
 * delivery, clone URL included, with `changedFiles` and `deliveryId`), so the command executor reads
 * it from the execution instead of from `webhook_deliveries` (modules do not read each other's tables).
 * New webhook runs store it at enqueue; this fills it in for the runs stored before.
 */
export class ExecutionsPushSource1795300010000 implements MigrationInterface {
  name = 'ExecutionsPushSource1795300010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE executions e
         SET push = COALESCE(e.push, '{}'::jsonb) || d.push
                    || jsonb_build_object('changedFiles', d.changed_files, 'deliveryId', d.id::text)
        FROM webhook_deliveries d
       WHERE d.push IS NOT NULL
         AND d.id = COALESCE(e.delivery_id,
               CASE WHEN e.trigger = 'webhook' AND e.trigger_ref ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' THEN e.trigger_ref::uuid END)`);
  }

  async down(): Promise<void> {
    // The added keys are a superset of what was stored: nothing to undo.
  }
}
