import type { Request, Response } from 'express';
import type { AppConfig } from '../config/app-config.js';
import { CSRF_COOKIE, SESSION_COOKIE } from './auth-crypto.js';

/** COOKIE_SECURE=auto: Secure when the request came over https (directly or per X-Forwarded-Proto). */
export function cookieSecure(req: Request, config: AppConfig): boolean {
  if (config.COOKIE_SECURE === 'true') return true;
  if (config.COOKIE_SECURE === 'false') return false;
  const forwarded = String(req.headers['x-forwarded-proto'] ?? '')
    .split(',')[0]!
    .trim()
    .toLowerCase();
  return req.secure || forwarded === 'https';
}

export function setSessionCookies(
  req: Request,
  res: Response,
  config: AppConfig,
  sessionId: string,
  csrfToken: string,
  expiresAt: Date,
): void {
  const common = { sameSite: 'strict' as const, secure: cookieSecure(req, config), path: '/', expires: expiresAt };
  res.cookie(SESSION_COOKIE, sessionId, { ...common, httpOnly: true });
  // Readable by the SPA (double submit): it sends the value back as X-CSRF-Token.
  res.cookie(CSRF_COOKIE, csrfToken, { ...common, httpOnly: false });
}

export function clearSessionCookies(req: Request, res: Response, config: AppConfig): void {
  const common = { sameSite: 'strict' as const, secure: cookieSecure(req, config), path: '/' };
  res.clearCookie(SESSION_COOKIE, { ...common, httpOnly: true });
  res.clearCookie(CSRF_COOKIE, { ...common, httpOnly: false });
}
