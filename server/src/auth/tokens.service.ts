import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  ApiTokenSummary,
  CreateTokenRequest,
  CreatedApiToken,
  Page,
  PageQuery,
  TokenScope,
} from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import type { DataSource } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { generateApiToken, sha256Hex } from './auth-crypto.js';
import { scopesAllowedForRole } from './auth-request.js';
import { AuditService } from './audit.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface TokenRow {
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
      const [row] = (await m.query(
        `WITH t AS (
           INSERT INTO api_tokens (user_id, name, token_hash, prefix, scopes, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING *)
         SELECT ${TOKEN_COLUMNS} FROM t JOIN users u ON u.id = t.user_id`,
        [userId, dto.name, sha256Hex(token), prefix, scopes, expiresAt],
      )) as TokenRow[];
      const summary = toSummary(row!);
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
    const rows = (await this.dataSource.query(
      `SELECT ${TOKEN_COLUMNS},
              to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE ($1::uuid IS NULL OR t.user_id = $1)
          AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2::timestamptz, $3::uuid))
        ORDER BY t.created_at DESC, t.id DESC LIMIT $4`,
      [managesAll(actor) ? null : ownerOf(actor), ts, id, limit + 1],
    )) as Array<TokenRow & { cursor_ts: string }>;
    return toPage(rows, limit, (r) => [r.cursor_ts, r.id], toSummary);
  }

  /** Revoke (kept for the record): one's own token, or any token for an admin. */
  async revoke(id: string, actor: Actor): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      const [row] = (await m.query(
        `SELECT ${TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1 FOR UPDATE OF t`,
        [id],
      )) as TokenRow[];
      if (!row || (!managesAll(actor) && row.user_id !== ownerOf(actor))) {
        throw new NotFoundException(`Token ${id} not found`);
      }
      if (row.revoked_at) return;
      await m.query(`UPDATE api_tokens SET revoked_at = now() WHERE id = $1`, [id]);
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
