import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditEventItem, AuditEventList } from '@api-manager/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { ActorNamesService } from './actor-names.service.js';

export interface AuditRecord {
  /** Who: a request's actor (`@CurrentActor()`), the system, or someone unauthenticated (failed login). */
  actor?: Actor | { kind: 'anonymous'; id?: string | null; name?: string | null } | null;
  /** Dotted verb, e.g. `job.create`, `token.revoke`, `auth.login_failed`. */
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  /** The target's human name (job name, schedule name…); users and tokens are named on read. */
  targetName?: string | null;
  /** Summaries (never secrets). */
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  meta?: Record<string, unknown>;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  /** `type` or `type:id`. */
  target?: string;
  since?: Date;
  until?: Date;
  limit?: number;
  cursor?: string;
}

interface AuditRow {
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

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'system', name: 'system', role: 'admin' };

/** The audit log. Other modules inject it and call `record` (inside their transaction when they have one). */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly names: ActorNamesService,
  ) {}

  /** Append one event. Pass the transaction's EntityManager to make it part of the same commit. */
  async record(event: AuditRecord, manager?: EntityManager): Promise<void> {
    const actor = event.actor ?? SYSTEM_ACTOR;
    await (manager ?? this.dataSource).query(
      `INSERT INTO audit_events (actor_kind, actor_id, actor_name, action, target_type, target_id, before, after, meta,
                                 target_name)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        actor.kind,
        actor.id ?? null,
        actor.name ? String(actor.name).slice(0, 200) : null,
        event.action,
        event.targetType ?? null,
        event.targetId ?? null,
        event.before ? JSON.stringify(event.before) : null,
        event.after ? JSON.stringify(event.after) : null,
        JSON.stringify(event.meta ?? {}),
        event.targetName ? String(event.targetName).slice(0, 200) : null,
      ],
    );
  }

  /** Like `record`, but a failure is logged instead of thrown (for events after the fact). */
  async tryRecord(event: AuditRecord): Promise<void> {
    try {
      await this.record(event);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, action: event.action }, 'Could not write an audit event');
    }
  }

  /** Users and tokens are shown by their current name: `user:<id>` → name. */
  private currentNames(rows: AuditRow[]): Promise<Map<string, string>> {
    return this.names.namesOf(rows.map((r) => `${r.target_type}:${r.target_id}`));
  }

  async list(q: AuditQuery): Promise<AuditEventList> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.actor) add(`(actor_name = ? OR actor_id = $${params.length + 1})`, q.actor);
    if (q.action) {
      if (q.action.endsWith('.*')) add(`action LIKE ?`, q.action.slice(0, -1).replace(/[\\%_]/g, '\\$&') + '%');
      else add(`action = ?`, q.action);
    }
    if (q.target) {
      const i = q.target.indexOf(':');
      if (i < 0) add(`target_type = ?`, q.target);
      else {
        add(`target_type = ?`, q.target.slice(0, i));
        add(`target_id = ?`, q.target.slice(i + 1));
      }
    }
    if (q.since) add(`at >= ?`, q.since);
    if (q.until) add(`at < ?`, q.until);
    if (q.cursor) {
      const [at, id] = decodeCursor(q.cursor);
      params.push(at, id);
      where.push(`(at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const limit = q.limit ?? 50;
    params.push(limit + 1);
    const rows: AuditRow[] = await this.dataSource.query(
      `SELECT *, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at_cursor FROM audit_events ${where.length ? 'WHERE ' + where.join(' AND ') : ''}
       ORDER BY at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const names = await this.currentNames(page);
    return {
      items: page.map((r) => toItem(r, names.get(`${r.target_type}:${r.target_id}`))),
      nextCursor: rows.length > limit && last ? encodeCursor(last.at_cursor, last.id) : null,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const summaryName = (v: Record<string, unknown> | null): string | null => {
  const name = v?.['username'] ?? v?.['name'];
  return typeof name === 'string' && name ? name : null;
};

function toItem(r: AuditRow, currentName: string | undefined): AuditEventItem {
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { kind: r.actor_kind, id: r.actor_id, name: r.actor_name },
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    targetName:
      currentName ??
      r.target_name ??
      summaryName(r.after) ??
      summaryName(r.before) ??
      (r.target_id && !UUID.test(r.target_id) ? r.target_id : null),
    before: r.before,
    after: r.after,
    meta: r.meta,
  };
}

/** `at` as Postgres' own microsecond text: a JS Date would drop the microseconds and skip rows. */
function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      !Number.isNaN(Date.parse(v[0])) &&
      typeof v[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(v[1])
    ) {
      return [v[0], v[1]];
    }
  } catch {
    /* fall through */
  }
  throw new BadRequestException('cursor is invalid');
}
