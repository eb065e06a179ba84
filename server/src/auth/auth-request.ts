import type { Request } from 'express';
import type { Actor } from './access.decorators.js';

/** What the global guard attaches to the request. */
export interface AuthInfo {
  via: 'cookie' | 'bearer';
  /** Raw session id (cookie authentication only; never logged or returned). */
  sessionId?: string;
  userId: string;
}

export type AuthedRequest = Request & { actor?: Actor; auth?: AuthInfo; cookies?: Record<string, string> };

export const ROLE_RANK: Record<string, number> = { viewer: 1, operator: 2, admin: 3 };

export function roleAtLeast(role: string, required: string): boolean {
  return (ROLE_RANK[role] ?? 0) >= (ROLE_RANK[required] ?? Infinity);
}

/** 'admin' implies every scope; 'write' and 'run' imply 'read'. */
export function scopesAllow(scopes: readonly string[], required: string): boolean {
  if (scopes.includes('admin') || scopes.includes(required)) return true;
  return required === 'read' && (scopes.includes('write') || scopes.includes('run'));
}

/** The scopes a user of `role` may put on a token. */
export function scopesAllowedForRole(role: string): string[] {
  if (role === 'admin') return ['read', 'run', 'write', 'admin'];
  if (role === 'operator') return ['read', 'run', 'write'];
  return ['read'];
}
