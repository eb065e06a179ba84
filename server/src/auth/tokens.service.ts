import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { ApiTokenSummary, CreateTokenRequest, CreatedApiToken, TokenScope } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import type { Actor } from './access.decorators.js';
import { generateApiToken, sha256Hex } from './auth-crypto.js';
import { scopesAllowedForRole } from './auth-request.js';
import { AuditService } from './audit.service.js';

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
  async list(actor: Actor): Promise<ApiTokenSummary[]> {
    const all = managesAll(actor);
    const rows = (await this.dataSource.query(
      `SELECT ${TOKEN_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
        ${all ? '' : 'WHERE t.user_id = $1'} ORDER BY t.created_at DESC`,
      all ? [] : [ownerOf(actor)],
    )) as TokenRow[];
    return rows.map(toSummary);
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
