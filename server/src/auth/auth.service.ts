import { HttpException, HttpStatus, Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { UserSummary } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import type { Actor } from './access.decorators.js';
import { csrfTokenFor, hashPassword, randomSecret, sha256Hex, TOKEN_PREFIX, verifyPassword } from './auth-crypto.js';
import type { AuthInfo } from './auth-request.js';
import { AuditService } from './audit.service.js';
import { LoginThrottleService } from './login-throttle.service.js';
import {
  deleteOtherSessions,
  deleteSession,
  insertSession,
  selectLiveSession,
  touchSession,
} from './store/sessions.store.js';
import { selectUsableToken, touchToken } from './store/tokens.store.js';
import {
  selectPasswordHash,
  selectUser,
  selectUserForLogin,
  touchLastLogin,
  updatePassword,
} from './store/users.store.js';
import { toUserSummary } from './user-summary.js';

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
    const t = await selectUsableToken(this.dataSource.manager, sha256Hex(token));
    if (!t) return null;
    if (!t.last_used_at || Date.now() - t.last_used_at.getTime() > TOUCH_INTERVAL_MS) {
      await touchToken(this.dataSource.manager, t.id);
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
    const s = await selectLiveSession(this.dataSource.manager, sha256Hex(sessionId));
    if (!s) return null;
    if (Date.now() - s.last_seen_at.getTime() > TOUCH_INTERVAL_MS) {
      await touchSession(this.dataSource.manager, s.id_hash);
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
    const user = await selectUserForLogin(this.dataSource.manager, username);
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
      await insertSession(m, {
        idHash: sha256Hex(sessionId),
        userId: user.id,
        expiresAt,
        ip: client.ip,
        userAgent: meta.userAgent ?? null,
      });
      await touchLastLogin(m, user.id);
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
    await deleteSession(this.dataSource.manager, sha256Hex(auth.sessionId));
    await this.audit.tryRecord({ actor, action: 'auth.logout', targetType: 'user', targetId: auth.userId });
  }

  async getUser(id: string): Promise<UserSummary> {
    const row = await selectUser(this.dataSource.manager, id);
    if (!row) throw new UnauthorizedException('Authentication required');
    return toUserSummary(row);
  }

  /** Own password change: checks the current one, then ends every other session of the user. */
  async changeOwnPassword(auth: AuthInfo, actor: Actor, current: string, next: string): Promise<void> {
    const stored = await selectPasswordHash(this.dataSource.manager, auth.userId);
    if (stored === undefined || !(await verifyPassword(stored, current))) {
      throw new HttpException('currentPassword is wrong', HttpStatus.BAD_REQUEST);
    }
    const hash = await hashPassword(next);
    await this.dataSource.transaction(async (m) => {
      await updatePassword(m, auth.userId, hash);
      await deleteOtherSessions(m, auth.userId, auth.sessionId ? sha256Hex(auth.sessionId) : '');
      await this.audit.record({ actor, action: 'user.password_change', targetType: 'user', targetId: auth.userId }, m);
    });
  }

  private getDummyHash(): Promise<string> {
    this.dummyHash ??= hashPassword(randomSecret(16));
    return this.dummyHash;
  }
}
