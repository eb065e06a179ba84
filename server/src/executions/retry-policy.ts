import type { RetryPolicy } from '@api-manager/contracts';

/** Retry decisions: which outcomes retry, and how long to wait (backoff with jitter and cap, Retry-After). */
export interface RetrySettings {
  maxAttempts: number;
  backoff: 'fixed' | 'exponential';
  initialDelayMs: number;
  maxDelayMs: number;
  jitter: boolean;
}

/** A job's `retry` as stored: the RetryPolicy keys, values not checked yet (each falls back to its default). */
export type StoredRetryPolicy = { [K in keyof RetryPolicy]?: unknown };

export function retrySettings(retry: StoredRetryPolicy | null | undefined): RetrySettings {
  const r: StoredRetryPolicy = retry ?? {};
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  return {
    maxAttempts: Math.max(1, Math.floor(num(r.maxAttempts, 1))),
    backoff: r.backoff === 'fixed' ? 'fixed' : 'exponential',
    initialDelayMs: num(r.initialDelayMs, 1000),
    maxDelayMs: num(r.maxDelayMs, 60000),
    jitter: r.jitter !== false,
  };
}

/** Network errors, timeouts, 5xx and 429 are worth another attempt; other failures are final. */
export function isRetryable(outcome: {
  kind: 'network' | 'timeout' | 'http' | 'render' | 'cancelled';
  status?: number;
}) {
  if (outcome.kind === 'network' || outcome.kind === 'timeout') return true;
  if (outcome.kind === 'http') return outcome.status === 429 || (outcome.status ?? 0) >= 500;
  return false;
}

/** Retry-After as milliseconds from `now`: delta-seconds or an HTTP date. Undefined when absent/invalid. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  const t = Date.parse(s);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * Delay before attempt `nextAttempt` (2 = first retry). Exponential: initial * 2^(n-2), capped,
 * full jitter in [delay/2, delay]. Retry-After wins when given (still capped at 1 h).
 */
export function retryDelayMs(s: RetrySettings, nextAttempt: number, retryAfterMs?: number, rand = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, 3_600_000);
  const base = s.backoff === 'fixed' ? s.initialDelayMs : s.initialDelayMs * 2 ** Math.max(0, nextAttempt - 2);
  const capped = Math.min(base, s.maxDelayMs);
  return Math.round(s.jitter ? capped / 2 + rand() * (capped / 2) : capped);
}
