import type { TokenScope } from '@api-manager/contracts';
import type { EntityManager } from 'typeorm';
import { managerRows } from '../../database/pg-pool.js';
import type { Role } from '../access.decorators.js';

// The SQL of `api_tokens` (the auth module's data access); rows carry their owner's username.

export interface TokenRow {
  id: string;
  name: string;
  prefix: string;
  scopes: TokenScope[];
  user_id: string;
  username: string;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
}

const TOKEN_COLUMNS = `t.id, t.name, t.prefix, t.scopes, t.user_id, u.username, t.expires_at, t.revoked_at,
  t.last_used_at, t.created_at`;

export interface TokenActor {
  id: string;
  name: string;
  scopes: TokenScope[];
  last_used_at: Date | null;
  user_id: string;
  username: string;
  role: Role;
}

/** A usable token by its hash: not revoked, not expired, its user enabled. */
export async function selectUsableToken(m: EntityManager, tokenHash: string): Promise<TokenActor | undefined> {
  const rows = await managerRows<TokenActor>(
    m,
    `SELECT t.id, t.name, t.scopes, t.last_used_at, u.id AS user_id, u.username, u.role
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
        AND NOT u.disabled`,
    [tokenHash],
  );
  return rows[0];
}

/** last_used_at = now, unless another request did it within the last minute. */
export async function touchToken(m: EntityManager, id: string): Promise<void> {
  await m.query(
    `UPDATE api_tokens SET last_used_at = now()
      WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
    [id],
  );
}

export async function insertToken(
  m: EntityManager,
  t: { userId: string; name: string; tokenHash: string; prefix: string; scopes: TokenScope[]; expiresAt: Date | null },
): Promise<TokenRow> {
  const [row] = await managerRows<TokenRow>(
    m,
    `WITH t AS (
       INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
     SELECT ${TOKEN_COLUMNS} FROM t JOIN users u ON u.id = t.user_id`,
    [t.userId, t.name, t.tokenHash, t.prefix, t.scopes, t.expiresAt],
  );
  return row!;
}

/**
 * Newest first, keyset on (created_at, id): up to `limit` tokens of `userId` (null: everyone's) after the
 * cursor (`cursorTs` as Postgres' microsecond text, null: from the newest). Each row has its `cursor_ts`.
 */
export function selectTokensPage(
  m: EntityManager,
  userId: string | null,
  cursorTs: string | null,
  cursorId: string | null,
  limit: number,
): Promise<(TokenRow & { cursor_ts: string })[]> {
  return managerRows(
    m,
    `SELECT ${TOKEN_COLUMNS},
            to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
       FROM api_tokens t JOIN users u ON u.id = t.user_id
      WHERE ($1::uuid IS NULL OR t.user_id = $1)
        AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
      ORDER BY t.created_at DESC, t.id DESC LIMIT $4`,
    [userId, cursorTs, cursorId, limit],
  );
}

/** The token's row, locked until the transaction ends. */
export async function lockToken(m: EntityManager, id: string): Promise<TokenRow | undefined> {
  const rows = await managerRows<TokenRow>(
    m,
    `SELECT ${TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 FOR UPDATE OF t`,
    [id],
  );
  return rows[0];
}

export async function revokeToken(m: EntityManager, id: string): Promise<void> {
  await m.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [id]);
}

/** `username/token name` of these token ids (ids of deleted tokens are absent). */
export function selectTokenNames(m: EntityManager, ids: string[]): Promise<{ id: string; name: string }[]> {
  return managerRows(
    m,
    `SELECT t.id::text, u.username || '/' || t.name AS name
       FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ANY($1::uuid[])`,
    [ids],
  );
}
