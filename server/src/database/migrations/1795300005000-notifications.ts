import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Notification channels, per-job notification rules (jobs.notifications) and what was sent per execution. */
export class Notifications1795300005000 implements MigrationInterface {
  name = 'Notifications1795300005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE jobs ADD COLUMN notifications jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`
      CREATE TABLE notification_channels (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE,
        type text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        description text NOT NULL DEFAULT '',
        url text,
        url_hint text,
        secret text,
        recipients text[] NOT NULL DEFAULT '{}',
        rate_limit_per_minute integer NOT NULL DEFAULT 20,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_channels_type_check CHECK (type IN ('slack','discord','webhook','email'))
      )`);
    await q.query(`
      CREATE TABLE execution_notifications (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        execution_id uuid NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
        channel_id uuid REFERENCES notification_channels(id) ON DELETE SET NULL,
        channel_name text NOT NULL,
        event text NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        lease_until timestamptz,
        counted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT execution_notifications_event_check CHECK (event IN ('failure','recovery','success')),
        CONSTRAINT execution_notifications_status_check CHECK (status IN ('pending','sent','failed','rate_limited'))
      )`);
    // One notification per execution and channel, whichever replica records it first.
    await q.query(
      `CREATE UNIQUE INDEX execution_notifications_uq ON execution_notifications (execution_id, channel_name)`,
    );
    await q.query(
      `CREATE INDEX execution_notifications_due_idx ON execution_notifications (next_attempt_at) WHERE status = 'pending'`,
    );
    // Rate limit: slots taken by a channel in the last minute.
    await q.query(
      `CREATE INDEX execution_notifications_rate_idx ON execution_notifications (channel_id, counted_at)
        WHERE counted_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE execution_notifications');
    await q.query('DROP TABLE notification_channels');
    await q.query('ALTER TABLE jobs DROP COLUMN notifications');
  }
}
