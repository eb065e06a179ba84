import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20 (names, not ids): the audit log keeps the target's name as it was when the event
 * happened (a job, a schedule, a webhook source…), so the admin shows "job nightly-report"
 * instead of a uuid, even after the target is renamed or deleted. Users and tokens are
 * still shown by their current name (joined on read).
 */
export class AuditTargetName1795300009600 implements MigrationInterface {
  name = 'AuditTargetName1795300009600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN target_name text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events DROP COLUMN target_name`);
  }
}
