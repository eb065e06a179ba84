import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_KEY, type AccessRequirement, IS_PUBLIC_KEY, type Role, type Scope } from './access.decorators.js';
import { CSRF_HEADER, csrfTokenFor, safeEqual, SESSION_COOKIE } from './auth-crypto.js';
import type { AuthedRequest } from './auth-request.js';
import { roleAtLeast, scopesAllow } from './auth-request.js';
import { AuthService, type Authenticated } from './auth.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The one global guard (APP_GUARD). Deny by default; `@Public()` opens a route.
 * Credentials: `Authorization: Bearer amk_…` (API token; never from the query string) or the
 * `apm_session` cookie (+ `X-CSRF-Token` on state-changing requests).
 * Defaults: GET/HEAD need role viewer + scope read; other methods role operator + scope write;
 * `@Access` overrides either.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true;

    const found = await this.authenticate(req, isPublic);
    if (found) {
      req.actor = found.actor;
      req.auth = found.auth;
    }
    if (isPublic) return true;
    if (!found) throw new UnauthorizedException('Authentication required');

    const safe = SAFE_METHODS.has(req.method);
    const override = this.reflector.getAllAndOverride<AccessRequirement | undefined>(ACCESS_KEY, targets) ?? {};
    const role: Role = override.role ?? (safe ? 'viewer' : 'operator');
    const scope: Scope = override.scope ?? (safe ? 'read' : 'write');
    const { actor, auth } = found;

    if (!roleAtLeast(actor.role, role)) throw new ForbiddenException(`Requires role ${role}`);
    if (actor.kind === 'token' && !scopesAllow(actor.scopes ?? [], scope)) {
      throw new ForbiddenException(`Token lacks scope ${scope}`);
    }
    if (auth.via === 'cookie' && !safe) {
      const header = req.headers[CSRF_HEADER];
      const expected = csrfTokenFor(auth.sessionId ?? '');
      if (typeof header !== 'string' || !safeEqual(header, expected)) {
        throw new ForbiddenException('Missing or invalid CSRF token (send the X-CSRF-Token header)');
      }
    }
    return true;
  }

  /** Bearer first (a bad token is a 401 even when a cookie is present); then the session cookie. */
  private async authenticate(req: AuthedRequest, isPublic: boolean): Promise<Authenticated | null> {
    const header = req.headers.authorization;
    if (header) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      const found = m ? await this.auth.authenticateToken(m[1]!) : null;
      if (!found && !isPublic) throw new UnauthorizedException('Invalid, expired or revoked API token');
      return found;
    }
    const sid = req.cookies?.[SESSION_COOKIE];
    if (typeof sid === 'string' && sid) return this.auth.authenticateSession(sid);
    return null;
  }
}
