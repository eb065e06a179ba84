import type { EntityManager } from 'typeorm';
import { managerRows } from '../../database/pg-pool.js';

// The SQL of `audit_events` (the auth module's data access).

/** An `audit_events` row (SELECT *) with `at` as Postgres' microsecond text (the page cursor). */
export interface AuditRow {
  id: string;
  at: Date;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  target_name: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  meta: Record<string, unknown>;
  at_cursor: string;
}

export interface AuditEventValues {
  actorKind: string;
  actorId: string | null;
  actorName: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  meta: Record<string, unknown>;
}

/** Append one event (in `m`'s transaction when it has one). */
export async function insertAuditEvent(m: EntityManager, e: AuditEventValues): Promise<void> {
  await m.query(
    `INSERT INTO audit_events (actor_kind, actor_id, actor_name, action, target_type, target_id, before, after, meta,
                               target_name)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      e.actorKind,
      e.actorId,
      e.actorName,
      e.action,
      e.targetType,
      e.targetId,
      e.before ? JSON.stringify(e.before) : null,
      e.after ? JSON.stringify(e.after) : null,
      JSON.stringify(e.meta),
      e.targetName,
    ],
  );
}

export interface AuditFilter {
  /** Actor name or id. */
  actor?: string;
  /** An action, or a prefix as `prefix.*`. */
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  /** The last row of the previous page: `at` as microsecond text, and its id. */
  after?: [string, string];
}

/** Newest first, keyset on (at, id): up to `limit` events matching `f`. */
export function selectAuditEvents(m: EntityManager, f: AuditFilter, limit: number): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (f.actor) add(`(actor_name = ? OR actor_id = $${params.length + 1})`, f.actor);
  if (f.action) {
    if (f.action.endsWith('.*')) add(`action LIKE ?`, f.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%');
    else add(`action = ?`, f.action);
  }
  if (f.targetType !== undefined) add(`target_type = ?`, f.targetType);
  if (f.targetId !== undefined) add(`target_id = ?`, f.targetId);
  if (f.since) add(`at >= ?`, f.since);
  if (f.until) add(`at < ?`, f.until);
  if (f.after) {
    params.push(f.after[0], f.after[1]);
    where.push(`(at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(limit);
  return managerRows<AuditRow>(
    m,
    `SELECT *, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_cursor FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
     ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
}
