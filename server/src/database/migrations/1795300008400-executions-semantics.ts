import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * - `children_cancelled`: a fan-out parent counts cancelled children apart from failed ones, so
 *   cancelled children make a cancelled parent (which notifies nothing), not a failed one.
 * - `push`: the push a run was made for (webhook runs, and the fan-out children and chain steps of
 *   one), so templates of every job kind can read `push.*`.
 */
export class ExecutionsSemantics1795300008400 implements MigrationInterface {
  name = 'ExecutionsSemantics1795300008400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE executions ADD COLUMN children_cancelled integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE executions ADD COLUMN push jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE executions DROP COLUMN push');
    await q.query('ALTER TABLE executions DROP COLUMN children_cancelled');
  }
}
