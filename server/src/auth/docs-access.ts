import type { NextFunction, Request, Response } from 'express';
import { SESSION_COOKIE } from './auth-crypto.js';
import { roleAtLeast, scopesAllow } from './auth-request.js';
import type { AuthService } from './auth.service.js';

/**
 * The OpenAPI document and Swagger UI (`/api/docs`, `/api/docs-json`) are served by express, outside Nest's guard:
 * they need read access like every other GET (a session cookie, or a bearer token with scope read). The
 * document lists every route and field; it is for the people and clients who may use them.
 */
export function docsAccess(auth: AuthService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    void (async () => {
      const header = req.headers.authorization;
      const bearer = header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
      const sid = (req as Request & { cookies?: Record<string, string> }).cookies?.[SESSION_COOKIE];
      const found = bearer
        ? await auth.authenticateToken(bearer)
        : typeof sid === 'string' && sid && !header
          ? await auth.authenticateSession(sid)
          : null;
      if (!found) {
        res.status(401).json({ statusCode: 401, message: 'Authentication required (read access)' });
        return;
      }
      const { actor } = found;
      if (!roleAtLeast(actor.role, 'viewer') || (actor.kind === 'token' && !scopesAllow(actor.scopes ?? [], 'read'))) {
        res.status(403).json({ statusCode: 403, message: 'Token lacks scope read' });
        return;
      }
      next();
    })().catch(next);
  };
}
