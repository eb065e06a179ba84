import type { EntityManager } from 'typeorm';
import { managerRows } from '../../database/pg-pool.js';
import type { Role } from '../access.decorators.js';

// The SQL of `sessions` (the auth module's data access): rows keyed by the hash of the session id.

export interface SessionUser {
  id_hash: string;
  last_seen_at: Date;
  user_id: string;
  username: string;
  role: Role;
}

/** A live session of an enabled user, by the hash of its id. */
export async function selectLiveSession(m: EntityManager, idHash: string): Promise<SessionUser | undefined> {
  const rows = await managerRows<SessionUser>(
    m,
    `SELECT s.id_hash, s.last_seen_at, u.id AS user_id, u.username, u.role
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
    [idHash],
  );
  return rows[0];
}

export async function touchSession(m: EntityManager, idHash: string): Promise<void> {
  await m.query(`UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1`, [idHash]);
}

export async function insertSession(
  m: EntityManager,
  s: { idHash: string; userId: string; expiresAt: Date; ip: string; userAgent: string | null },
): Promise<void> {
  await m.query(`INSERT INTO sessions (id_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`, [
    s.idHash,
    s.userId,
    s.expiresAt,
    s.ip,
    s.userAgent,
  ]);
}

export async function deleteSession(m: EntityManager, idHash: string): Promise<void> {
  await m.query(`DELETE FROM sessions WHERE id_hash = $1`, [idHash]);
}

/** End every session of the user but the one with `keepHash` ('' keeps none). */
export async function deleteOtherSessions(m: EntityManager, userId: string, keepHash: string): Promise<void> {
  await m.query(`DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, [userId, keepHash]);
}

export async function deleteUserSessions(m: EntityManager, userId: string): Promise<void> {
  await m.query(`DELETE FROM sessions WHERE user_id = $1`, [userId]);
}

/** Sessions expired more than a day ago. */
export async function deleteExpiredSessions(m: EntityManager): Promise<void> {
  await m.query(`DELETE FROM sessions WHERE expires_at < now() - interval '1 day'`);
}
