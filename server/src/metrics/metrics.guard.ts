import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  NotFoundException,
  UnauthorizedException,
} from '@nestjs/common';
import { safeEqual } from '../auth/auth-crypto.js';
import { type AuthedRequest, roleAtLeast, scopesAllow } from '../auth/auth-request.js';
import { AppConfig } from '../config/app-config.js';

/**
 * GET /api/metrics is @Public() for the global guard (so METRICS_TOKEN, which is no API token, can
 * reach it); this guard then asks for METRICS_TOKEN as a Bearer token, or for what the global guard
 * already authenticated (an API token or session) with the read scope and at least the viewer role.
 * Disabled (METRICS_ENABLED=false) or moved to METRICS_PORT: 404.
 */
@Injectable()
export class MetricsGuard implements CanActivate {
  constructor(private readonly config: AppConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.config.METRICS_ENABLED || this.config.METRICS_PORT !== undefined) {
      throw new NotFoundException('Metrics are not served here');
    }
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const token = this.config.METRICS_TOKEN;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    if (token && m && safeEqual(m[1]!, token)) return true;
    const actor = req.actor;
    if (!actor) {
      throw new UnauthorizedException(
        token ? 'Send METRICS_TOKEN or an API token as a Bearer token' : 'Authentication required',
      );
    }
    if (!roleAtLeast(actor.role, 'viewer')) throw new ForbiddenException('Requires role viewer');
    if (actor.kind === 'token' && !scopesAllow(actor.scopes ?? [], 'read')) {
      throw new ForbiddenException('Token lacks scope read');
    }
    return true;
  }
}
