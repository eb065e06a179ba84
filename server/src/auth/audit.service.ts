import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AuditEventItem, AuditEventList } from '@api-manager/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { ActorNamesService } from './actor-names.service.js';
import { type AuditFilter, type AuditRow, insertAuditEvent, selectAuditEvents } from './store/audit.store.js';

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
    await insertAuditEvent(manager ?? this.dataSource.manager, {
      actorKind: actor.kind,
      actorId: actor.id ?? null,
      actorName: actor.name ? String(actor.name).slice(0, 200) : null,
      action: event.action,
      targetType: event.targetType ?? null,
      targetId: event.targetId ?? null,
      targetName: event.targetName ? String(event.targetName).slice(0, 200) : null,
      before: event.before ?? null,
      after: event.after ?? null,
      meta: event.meta ?? {},
    });
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
    const f: AuditFilter = { actor: q.actor, action: q.action, since: q.since, until: q.until };
    if (q.target) {
      const i = q.target.indexOf(':');
      if (i < 0) f.targetType = q.target;
      else {
        f.targetType = q.target.slice(0, i);
        f.targetId = q.target.slice(i + 1);
      }
    }
    if (q.cursor) f.after = decodeCursor(q.cursor);
    const limit = q.limit ?? 50;
    const rows = await selectAuditEvents(this.dataSource.manager, f, limit + 1);
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
