import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/**
 * OWASP password storage cheat sheet: argon2id (@node-rs/argon2's default algorithm), m=19 MiB, t=2, p=1.
 * @node-rs/argon2 ships prebuilt binaries as npm packages, so `npm ci` compiles nothing on any Node >= 20;
 * its PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$…`) are the same format the `argon2` package wrote, so
 * hashes stored by earlier versions still verify.
 */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 256;
export const TOKEN_PREFIX = 'amk_';

export const SESSION_COOKIE = 'apm_session';
export const CSRF_COOKIE = 'apm_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

/** False on mismatch and on a malformed hash (never throws). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** base64url of `bytes` random bytes. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** `amk_` + base64url(32 random bytes). */
export function generateApiToken(): string {
  return TOKEN_PREFIX + randomSecret(32);
}

/**
 * The CSRF token of a session: derived from the session id (so it is bound to it and needs no
 * storage) with a one-way hash (so knowing it reveals nothing about the session id).
 */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`csrf:${sessionId}`).digest('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
