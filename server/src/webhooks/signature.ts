import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of the raw bytes, lowercase hex. */
export function hmacSha256Hex(secret: string, raw: Buffer | string): string {
  return createHmac('sha256', secret).update(raw).digest('hex');
}

/** Constant-time string equality that does not leak the length either (compares SHA-256 digests). */
export function constantTimeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

/**
 * Verify a hex HMAC-SHA256 signature of `raw` (GitHub `X-Hub-Signature-256: sha256=<hex>`,
 * Gitea/Forgejo `X-Gitea-Signature: <hex>`). `prefix` is stripped when present. Always computed
 * on the raw body bytes, before any parsing; compared with `timingSafeEqual`.
 */
export function verifyHmacSha256(
  secret: string,
  raw: Buffer | string,
  header: string | undefined,
  prefix = '',
): boolean {
  if (!header || !secret) return false;
  let given = header.trim();
  if (prefix) {
    if (!given.toLowerCase().startsWith(prefix)) return false;
    given = given.slice(prefix.length);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(given)) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/** GitHub's `X-Hub-Signature-256` header value for `raw` (used by tests and the benchmark). */
export function githubSignature(secret: string, raw: Buffer | string): string {
  return `sha256=${hmacSha256Hex(secret, raw)}`;
}
