import { HttpException, HttpStatus, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TokenScope, UserSummary } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { Actor, Role } from './access.decorators.js';
import { csrfTokenFor, hashPassword, randomSecret, sha256Hex, TOKEN_PREFIX, verifyPassword } from './auth-crypto.js';
import type { AuthInfo } from './auth-request.js';
import { AuditService } from './audit.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { toUserSummary, type UserRow, USER_COLUMNS } from './user-summary.js';

/** last_used_at / last_seen_at are written at most once a minute per token / session. */
const TOUCH_INTERVAL_MS = 60_000;

export interface Authenticated {
  actor: Actor;
  auth: AuthInfo;
}

export class LoginThrottledException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { statusCode: 429, message: 'Too many login attempts; try again later', retryAfter: retryAfterSeconds },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

export interface LoginResult {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: UserSummary;
}

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);
  private dummyHash?: Promise<string>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly throttle: LoginThrottleService,
  ) {}

  /** `Authorization: Bearer amk_...` → the token's actor, or null when unknown, revoked, expired or its user disabled. */
  async authenticateToken(token: string): Promise<Authenticated | null> {
    if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
    const rows = (await this.dataSource.query(
      `SELECT t.id, t.name, t.scopes, t.last_used_at, u.id AS user_id, u.username, u.role
         FROM api_tokens t JOIN users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
          AND NOT u.disabled`,
      [sha256Hex(token)],
    )) as Array<{
      id: string;
      name: string;
      scopes: TokenScope[];
      last_used_at: Date | null;
      user_id: string;
      username: string;
      role: Role;
    }>;
    const t = rows[0];
    if (!t) return null;
    if (!t.last_used_at || Date.now() - t.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
      await this.dataSource.query(
        `UPDATE api_tokens SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
        [t.id],
      );
    }
    return {
      actor: {
        kind: 'token',
        id: t.id,
        name: `${t.username}/${t.name}`,
        role: t.role,
        scopes: t.scopes,
        userId: t.user_id,
      },
      auth: { via: 'bearer', userId: t.user_id },
    };
  }

  /** The `apm_session` cookie → the user's actor, or null when unknown or expired. */
  async authenticateSession(sessionId: string): Promise<Authenticated | null> {
    if (!sessionId || sessionId.length > 200) return null;
    const rows = (await this.dataSource.query(
      `SELECT s.id_hash, s.last_seen_at, u.id AS user_id, u.username, u.role
         FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [sha256Hex(sessionId)],
    )) as Array<{ id_hash: string; last_seen_at: Date; user_id: string; username: string; role: Role }>;
    const s = rows[0];
    if (!s) return null;
    if (Date.now() - s.last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
      await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1`, [s.id_hash]);
    }
    return {
      actor: { kind: 'user', id: s.user_id, name: s.username, role: s.role },
      auth: { via: 'cookie', sessionId, userId: s.user_id },
    };
  }

  async login(
    usernameInput: string,
    password: string,
    client: { ip: string; userAgent?: string },
  ): Promise<LoginResult> {
    const username = usernameInput.trim().toLowerCase();
    const meta = { ip: client.ip, userAgent: client.userAgent?.slice(0, 200) };
    const verdict = await this.throttle.hit(client.ip, username);
    if (!verdict.allowed) {
      this.logger.warn({ username, ip: client.ip, outcome: 'throttled' }, 'Login attempt throttled');
      await this.audit.tryRecord({
        actor: { kind: 'anonymous', name: username },
        action: 'auth.login_throttled',
        targetType: 'user',
        meta,
      });
      throw new LoginThrottledException(verdict.retryAfterSeconds);
    }
    const rows = (await this.dataSource.query(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = $1`, [
      username,
    ])) as Array<UserRow & { password_hash: string }>;
    const user = rows[0];
    // Verify against a dummy hash for unknown users so the answer time does not reveal them.
    const ok = await verifyPassword(user?.password_hash ?? (await this.getDummyHash()), password);
    if (!user || !ok || user.disabled) {
      const reason = !user ? 'unknown_user' : !ok ? 'bad_password' : 'disabled';
      this.logger.warn({ username, ip: client.ip, outcome: 'failure', reason }, 'Login failed');
      await this.audit.tryRecord({
        actor: { kind: 'anonymous', name: username },
        action: 'auth.login_failed',
        targetType: 'user',
        targetId: user?.id ?? null,
        meta: { ...meta, reason },
      });
      throw new UnauthorizedException('Invalid username or password');
    }
    await this.throttle.succeeded(client.ip, username);
    // A new random session id on every login (no fixation); only its hash is stored.
    const sessionId = randomSecret(32);
    const expiresAt = new Date(Date.now() + this.config.SESSION_TTL_HOURS * 3_600_000);
    await this.dataSource.transaction(async (m) => {
      await m.query(`INSERT INTO sessions (id_hash, user_id, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`, [
        sha256Hex(sessionId),
        user.id,
        expiresAt,
        client.ip,
        meta.userAgent ?? null,
      ]);
      await m.query(`UPDATE users SET last_login_at = now() WHERE id = $1`, [user.id]);
      await this.audit.record(
        {
          actor: { kind: 'user', id: user.id, name: user.username, role: user.role },
          action: 'auth.login',
          targetType: 'user',
          targetId: user.id,
          meta,
        },
        m,
      );
    });
    this.logger.log({ username, ip: client.ip, outcome: 'success' }, 'Login succeeded');
    return {
      sessionId,
      csrfToken: csrfTokenFor(sessionId),
      expiresAt,
      user: toUserSummary({ ...user, last_login_at: new Date() }),
    };
  }

  async logout(auth: AuthInfo | undefined, actor: Actor | undefined): Promise<void> {
    if (auth?.via !== 'cookie' || !auth.sessionId) return;
    await this.dataSource.query(`DELETE FROM sessions WHERE id_hash = $1`, [sha256Hex(auth.sessionId)]);
    await this.audit.tryRecord({ actor, action: 'auth.logout', targetType: 'user', targetId: auth.userId });
  }

  async getUser(id: string): Promise<UserSummary> {
    const rows = (await this.dataSource.query(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id])) as UserRow[];
    if (!rows[0]) throw new UnauthorizedException('Authentication required');
    return toUserSummary(rows[0]);
  }

  /** Own password change: checks the current one, then ends every other session of the user. */
  async changeOwnPassword(auth: AuthInfo, actor: Actor, current: string, next: string): Promise<void> {
    const rows = (await this.dataSource.query(`SELECT password_hash FROM users WHERE id = $1`, [
      auth.userId,
    ])) as Array<{ password_hash: string }>;
    if (!rows[0] || !(await verifyPassword(rows[0].password_hash, current))) {
      throw new HttpException('currentPassword is wrong', HttpStatus.BAD_REQUEST);
    }
    const hash = await hashPassword(next);
    await this.dataSource.transaction(async (m) => {
      await m.query(
        `UPDATE users SET password_hash = $2, password_changed_at = now(), updated_at = now() WHERE id = $1`,
        [auth.userId, hash],
      );
      await m.query(`DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2`, [
        auth.userId,
        auth.sessionId ? sha256Hex(auth.sessionId) : '',
      ]);
      await this.audit.record({ actor, action: 'user.password_change', targetType: 'user', targetId: auth.userId }, m);
    });
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomSecret(16));
    return this.dummyHash;
  }
}
