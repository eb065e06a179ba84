import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

/** Roles in increasing order of power: viewer < operator < admin. */
export type Role = 'viewer' | 'operator' | 'admin';
/** API token scopes: 'admin' implies all; 'write' and 'run' imply 'read'. */
export type Scope = 'read' | 'run' | 'write' | 'admin';

export interface AccessRequirement {
  role?: Role;
  scope?: Scope;
}

/** Who is making the request (users via session cookie, API tokens via Bearer, the system itself). */
export interface Actor {
  kind: 'user' | 'token' | 'system';
  id: string;
  name: string;
  role: string;
  /** Token scopes (tokens only). */
  scopes?: Scope[];
  /** The user owning the token (tokens only). */
  userId?: string;
}

export const IS_PUBLIC_KEY = 'apm:isPublic';
export const ACCESS_KEY = 'apm:access';

/** Opens a route to anyone (no credentials required). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * Overrides the global guard's defaults (GET/HEAD: viewer + read; others: operator + write).
 * Missing fields fall back to the method default.
 */
export const Access = (requirement: AccessRequirement): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_KEY, requirement);

/** The request's actor, set by the global guard; undefined on public routes without credentials. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor | undefined => {
  const req = ctx.switchToHttp().getRequest<{ actor?: Actor }>();
  return req.actor;
});

export const SKIP_AUDIT_KEY = 'apm:skipAudit';

/**
 * The generic audit interceptor records every successful non-GET /api/v1 request. A handler that
 * records a richer event itself (AuditService.record with before/after) marks itself with this.
 */
export const SkipAudit = (): MethodDecorator & ClassDecorator => SetMetadata(SKIP_AUDIT_KEY, true);
