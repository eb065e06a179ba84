import { describe, expect, it } from '@jest/globals';
import { isRetryable, parseRetryAfter, retryDelayMs, retrySettings } from './retry-policy.js';

describe('retry policy', () => {
  it('retries network errors, timeouts, 5xx and 429 only', () => {
    expect(isRetryable({ kind: 'network' })).toBe(true);
    expect(isRetryable({ kind: 'timeout' })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 503 })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 429 })).toBe(true);
    expect(isRetryable({ kind: 'http', status: 404 })).toBe(false);
    expect(isRetryable({ kind: 'cancelled' })).toBe(false);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('backs off exponentially with a cap and jitter in [d/2, d]; fixed stays fixed; Retry-After wins', () => {
    const s = retrySettings({
      maxAttempts: 5,
      backoff: 'exponential',
      initialDelayMs: 100,
      maxDelayMs: 350,
      jitter: false,
    });
    expect([2, 3, 4, 5].map((n) => retryDelayMs(s, n))).toEqual([100, 200, 350, 350]);
    const j = { ...s, jitter: true };
    expect(retryDelayMs(j, 3, undefined, () => 0)).toBe(100);
    expect(retryDelayMs(j, 3, undefined, () => 1)).toBe(200);
    expect(retryDelayMs({ ...s, backoff: 'fixed' }, 5)).toBe(100);
    expect(retryDelayMs(s, 2, 5000)).toBe(5000);
    expect(retrySettings(undefined)).toMatchObject({ maxAttempts: 1, backoff: 'exponential', initialDelayMs: 1000 });
  });
});
