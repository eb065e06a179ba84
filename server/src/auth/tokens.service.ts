import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ApiTokenSummary, CreateTokenRequest, CreatedApiToken, Page, PageQuery } from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import type { DataSource } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { generateApiToken, sha256Hex } from './auth-crypto.js';
import { scopesAllowedForRole } from './auth-request.js';
import { AuditService } from './audit.service.js';
import { insertToken, lockToken, revokeToken, selectTokensPage, type TokenRow } from './store/tokens.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function toSummary(r: TokenRow): ApiTokenSummary {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    scopes: r.scopes,
    userId: r.user_id,
    username: r.username,
    expiresAt: r.expires_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    createdAt: r.created_at.toISOString(),
  };
}

/** The user behind an actor (a user, or the owner of a token). */
function ownerOf(actor: Actor): string {
  const id = actor.kind === 'token' ? actor.userId : actor.kind === 'user' ? actor.id : undefined;
  if (!id) throw new ForbiddenException('Only users and their tokens own API tokens');
  return id;
}

/** Admins (with an admin-scoped token, when using one) manage everyone's tokens. */
function managesAll(actor: Actor): boolean {
  return actor.role === 'admin' && (actor.kind !== 'token' || (actor.scopes ?? []).includes('admin'));
}

@Injectable()
export class TokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async create(dto: CreateTokenRequest, actor: Actor): Promise<CreatedApiToken> {
    const userId = ownerOf(actor);
    const scopes = [...new Set(dto.scopes)];
    const allowed = scopesAllowedForRole(actor.role);
    const denied = scopes.filter((s) => !allowed.includes(s));
    if (denied.length) throw new ForbiddenException(`Role ${actor.role} cannot grant scope(s): ${denied.join(', ')}`);
    // A token can never mint a token with more scopes than it has itself.
    if (actor.kind === 'token' && !(actor.scopes ?? []).includes('admin')) {
      throw new ForbiddenException('Token lacks scope admin');
    }
    const expiresAt = dto.expiresAt ? new Date(dto.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new BadRequestException('expiresAt must be in the future');
    const token = generateApiToken();
    const prefix = token.slice(0, 8);
    return this.dataSource.transaction(async (m) => {
      const row = await insertToken(m, {
        userId,
        name: dto.name,
        tokenHash: sha256Hex(token),
        prefix,
        scopes,
        expiresAt,
      });
      const summary = toSummary(row);
      await this.audit.record(
        {
          actor,
          action: 'token.create',
          targetType: 'token',
          targetId: summary.id,
          after: { name: summary.name, scopes: summary.scopes, owner: summary.username, expiresAt: summary.expiresAt },
        },
        m,
      );
      return { ...summary, token };
    });
  }

  /** The caller's tokens; an admin sees everyone's. */
  /** Newest first, keyset pages on (created_at, id). */
  async list(actor: Actor, q: PageQuery = {}): Promise<Page<ApiTokenSummary>> {
    const limit = pageLimit(q);
    const [ts, id] = q.cursor ? decodePageCursor(q.cursor, 2) : [null, null];
    if (ts !== null && (!CURSOR_TS.test(ts) || !UUID.test(id!))) {
      throw new BadRequestException(['cursor is not valid: pass nextCursor from a previous page']);
    }
    const rows = await selectTokensPage(
      this.dataSource.manager,
      managesAll(actor) ? null : ownerOf(actor),
      ts ?? null,
      id ?? null,
      limit + 1,
    );
    return toPage(rows, limit, (r) => [r.cursor_ts, r.id], toSummary);
  }

  /** Revoke (kept for the record): one's own token, or any token for an admin. */
  async revoke(id: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const row = await lockToken(m, id);
      if (!row || (!managesAll(actor) && row.user_id !== ownerOf(actor))) {
        throw new NotFoundException(`Token ${id} not found`);
      }
      if (row.revoked_at) return;
      await revokeToken(m, id);
      await this.audit.record(
        {
          actor,
          action: 'token.revoke',
          targetType: 'token',
          targetId: id,
          before: { name: row.name, scopes: row.scopes, owner: row.username },
        },
        m,
      );
    });
  }
}
