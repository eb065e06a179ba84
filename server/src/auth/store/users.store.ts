import type { UserRole } from '@api-manager/contracts';
import type { EntityManager } from 'typeorm';
import { managerRows } from '../../database/pg-pool.js';
import { type UserRow, USER_COLUMNS } from '../user-summary.js';

// The SQL of `users` (the auth module's data access). Every function takes the EntityManager it runs
// on: the DataSource's for a single statement, a transaction's to be part of its commit.

export async function selectUser(m: EntityManager, id: string): Promise<UserRow | undefined> {
  return (await managerRows<UserRow>(m, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]))[0];
}

/** A user with its password hash (login). */
export async function selectUserForLogin(
  m: EntityManager,
  username: string,
): Promise<(UserRow & { password_hash: string }) | undefined> {
  const rows = await managerRows<UserRow & { password_hash: string }>(
    m,
    `SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`,
    [username],
  );
  return rows[0];
}

export async function selectPasswordHash(m: EntityManager, id: string): Promise<string | undefined> {
  const rows = await managerRows<{ password_hash: string }>(m, `SELECT password_hash FROM users WHERE id = $1`, [id]);
  return rows[0]?.password_hash;
}

/** By username (unique), keyset: up to `limit` users after `after` (null: from the first). */
export function selectUsersPage(m: EntityManager, after: string | null, limit: number): Promise<UserRow[]> {
  return managerRows<UserRow>(
    m,
    `SELECT ${USER_COLUMNS} FROM users WHERE $1::text IS NULL OR username > $1 ORDER BY username LIMIT $2`,
    [after, limit],
  );
}

export async function anyUserExists(m: EntityManager): Promise<boolean> {
  const [row] = await managerRows<{ any: boolean }>(m, `SELECT EXISTS (SELECT 1 FROM users) AS any`);
  return row!.any;
}

/** The new user, or undefined when the username is taken. */
export async function insertUser(
  m: EntityManager,
  u: { username: string; displayName: string; role: UserRole; passwordHash: string },
): Promise<UserRow | undefined> {
  const rows = await managerRows<UserRow>(
    m,
    `INSERT INTO users (username, display_name, role, password_hash) VALUES ($1, $2, $3, $4)
     ON CONFLICT (username) DO NOTHING RETURNING ${USER_COLUMNS}`,
    [u.username, u.displayName, u.role, u.passwordHash],
  );
  return rows[0];
}

/** Serialize the first-start check across replicas (until the transaction ends). */
export async function lockFirstStart(m: EntityManager, key: number): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock($1)`, [key]);
}

/** `admin` with this password hash, only while there is no user at all; its id, or undefined. */
export async function insertFirstAdmin(m: EntityManager, passwordHash: string): Promise<string | undefined> {
  const rows = await managerRows<{ id: string }>(
    m,
    `INSERT INTO users (username, display_name, role, password_hash)
     SELECT 'admin', 'Administrator', 'admin', $1 WHERE NOT EXISTS (SELECT 1 FROM users)
     ON CONFLICT (username) DO NOTHING RETURNING id`,
    [passwordHash],
  );
  return rows[0]?.id;
}

/** The user's row, locked until the transaction ends. */
export async function lockUser(m: EntityManager, id: string): Promise<UserRow | undefined> {
  return (await managerRows<UserRow>(m, `SELECT ${USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE`, [id]))[0];
}

/** Ids of every active admin, their rows locked (two concurrent demotions cannot both pass a check). */
export async function lockActiveAdmins(m: EntityManager): Promise<string[]> {
  const rows = await managerRows<{ id: string }>(
    m,
    `SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`,
  );
  return rows.map((r) => r.id);
}

export interface UserChanges {
  role?: UserRole;
  displayName?: string;
  disabled?: boolean;
  /** A new password hash (password_changed_at becomes now). */
  passwordHash?: string;
}

/** Apply the given changes (updated_at becomes now); the row after. */
export async function updateUser(m: EntityManager, id: string, c: UserChanges): Promise<UserRow | undefined> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  const set = (col: string, value: unknown) => {
    params.push(value);
    sets.push(`${col} = $${params.length}`);
  };
  if (c.role !== undefined) set('role', c.role);
  if (c.displayName !== undefined) set('display_name', c.displayName);
  if (c.disabled !== undefined) set('disabled', c.disabled);
  if (c.passwordHash !== undefined) {
    set('password_hash', c.passwordHash);
    sets.push('password_changed_at = now()');
  }
  sets.push('updated_at = now()');
  const rows = await managerRows<UserRow>(
    m,
    `UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING ${USER_COLUMNS}`,
    params,
  );
  return rows[0];
}

/** Own password change: the new hash, password_changed_at and updated_at now. */
export async function updatePassword(m: EntityManager, id: string, passwordHash: string): Promise<void> {
  await m.query(`UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`, [
    id,
    passwordHash,
  ]);
}

export async function touchLastLogin(m: EntityManager, id: string): Promise<void> {
  await m.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [id]);
}

export async function deleteUser(m: EntityManager, id: string): Promise<void> {
  await m.query(`DELETE FROM users WHERE id = $1`, [id]);
}

/** Current usernames of these user ids (ids of deleted users are absent). */
export function selectUsernames(m: EntityManager, ids: string[]): Promise<{ id: string; username: string }[]> {
  return managerRows(m, `SELECT id::text, username FROM users WHERE id = ANY($1::uuid[])`, [ids]);
}
