import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Users, sessions, API tokens, the audit log and the login throttle counters. */
export class Auth1795300003000 implements MigrationInterface {
  name = 'Auth1795300003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL,
        display_name text NOT NULL DEFAULT '',
        role text NOT NULL,
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        password_changed_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_username_unique UNIQUE (username),
        CONSTRAINT users_username_format CHECK (username ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
        CONSTRAINT users_role_check CHECK (role IN ('viewer', 'operator', 'admin'))
      )`);
    // The session id itself is never stored: only its SHA-256 (hex).
    await q.query(`
      CREATE TABLE sessions (
        id_hash text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE INDEX sessions_user_idx ON sessions (user_id)`);
    await q.query(`CREATE INDEX sessions_expires_idx ON sessions (expires_at)`);
    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        token_hash text NOT NULL,
        prefix text NOT NULL,
        scopes text[] NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT api_tokens_hash_unique UNIQUE (token_hash),
        CONSTRAINT api_tokens_scopes_check CHECK (
          cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'run', 'write', 'admin']::text[]
        )
      )`);
    await q.query(`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)`);
    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_kind text NOT NULL,
        actor_id text,
        actor_name text,
        action text NOT NULL,
        target_type text,
        target_id text,
        before jsonb,
        after jsonb,
        meta jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_events_at_idx ON audit_events (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_events_target_idx ON audit_events (target_type, target_id, at DESC)`);
    await q.query(`CREATE INDEX audit_events_actor_idx ON audit_events (actor_name, at DESC)`);
    await q.query(`CREATE INDEX audit_events_action_idx ON audit_events (action, at DESC)`);
    // Login throttling shared by every replica: fixed windows per key ("ip:..." / "user:...").
    await q.query(`
      CREATE TABLE login_throttle (
        key text PRIMARY KEY,
        window_start timestamptz NOT NULL DEFAULT now(),
        attempts integer NOT NULL DEFAULT 0
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS login_throttle`);
    await q.query(`DROP TABLE IF EXISTS audit_events`);
    await q.query(`DROP TABLE IF EXISTS api_tokens`);
    await q.query(`DROP TABLE IF EXISTS sessions`);
    await q.query(`DROP TABLE IF EXISTS users`);
  }
}
