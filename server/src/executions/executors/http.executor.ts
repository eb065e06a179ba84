import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, request, type Dispatcher } from 'undici';
import { maskText, secretPatterns } from '../../common/secret-forms.js';
import type { RenderedRequest } from '../../jobs/render/request-renderer.js';

export interface HttpOutcome {
  kind: 'http' | 'network' | 'timeout' | 'cancelled';
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
  bytes?: number;
  truncated?: boolean;
  error?: string;
  retryAfter?: string;
  durationMs: number;
}

function productVersion(): string {
  try {
    let dir = path.dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 8; i++) {
      const file = path.join(dir, 'package.json');
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'api-manager' && pkg.version) return pkg.version;
      } catch {
        /* keep walking up */
      }
      dir = path.dirname(dir);
    }
  } catch {
    /* fall through */
  }
  return '0.0.0';
}

export const USER_AGENT = `api-manager/${productVersion()}`;
export const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Credentials that never follow a redirect to another origin (as curl and fetch drop them). */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * The next hop of a redirect (fetch's rules): 303 (and 301/302 after a POST) turn into a GET without a body.
 * Crossing to another origin (scheme, host, port) drops credentials: the job's secret headers and headers
 * rendered from a secret, Authorization, Cookie, Proxy-Authorization, and query values carrying a secret.
 */
export function redirectHop(
  from: { url: string; method: string; headers: Record<string, string>; body?: string },
  location: string,
  status: number,
  secrets: { headers: readonly string[]; values: readonly string[] },
): { url: string; method: string; headers: Record<string, string>; body?: string; crossOrigin: boolean } {
  const next = new URL(location, from.url);
  const crossOrigin = next.origin !== new URL(from.url).origin;
  let { method, body } = from;
  let headers = { ...from.headers };
  if ((status === 303 && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
    method = 'GET';
    body = undefined;
    headers = Object.fromEntries(
      Object.entries(headers).filter(([k]) => !/^content-(type|length|encoding|language|location)$/i.test(k)),
    );
  }
  if (crossOrigin) {
    const drop = new Set([...CREDENTIAL_HEADERS, ...secrets.headers.map((h) => h.toLowerCase())]);
    const patterns = secretPatterns(secrets.values);
    headers = Object.fromEntries(
      Object.entries(headers).filter(([k, v]) => !drop.has(k.toLowerCase()) && maskText(v, patterns) === v),
    );
    for (const [k, v] of [...next.searchParams.entries()]) {
      if (maskText(v, patterns) !== v || maskText(k, patterns) !== k) next.searchParams.delete(k);
    }
  }
  return { url: next.toString(), method, headers, ...(body === undefined ? {} : { body }), crossOrigin };
}

/** Moments of one call, reported as they happen (the runner logs them live). */
export interface HttpProgress {
  /** The request is being written (first hop). */
  sent?(): void;
  /** The final response's status line and headers arrived, `ms` after the request was sent. */
  headers?(status: number, ms: number): void;
}

/** Runs one rendered HTTP request with undici: timeout, capped body, optional redirects, abortable. */
@Injectable()
export class HttpExecutor implements OnApplicationShutdown {
  private readonly plain = new Agent({ keepAliveTimeout: 10_000, connections: 256 });

  /**
   * `idempotencyKey` is the execution id: the same on every attempt and every re-run after a crash
   * (IETF httpapi Idempotency-Key draft), so a target can drop a repeat; `attempt` travels apart in `X-Attempt`.
   */
  async execute(
    req: RenderedRequest,
    idempotencyKey: string,
    attempt: number,
    cancel: AbortSignal,
    progress: HttpProgress = {},
  ): Promise<HttpOutcome> {
    const started = performance.now();
    const timeout = AbortSignal.timeout(Math.max(1, req.timeoutMs));
    const signal = AbortSignal.any([cancel, timeout]);
    const headers: Record<string, string> = { ...req.headers };
    const lower = new Set(Object.keys(headers).map((h) => h.toLowerCase()));
    if (!lower.has('user-agent')) headers['user-agent'] = USER_AGENT;
    headers['idempotency-key'] = idempotencyKey;
    headers['x-attempt'] = String(attempt);
    const elapsed = () => Math.round(performance.now() - started);
    try {
      // Redirects are followed here (not by undici) so that credentials never cross to another origin.
      let hop: { url: string; method: string; headers: Record<string, string>; body?: string } = {
        url: req.url,
        method: req.method,
        headers,
        ...(req.body === undefined ? {} : { body: req.body }),
      };
      let res: Dispatcher.ResponseData;
      progress.sent?.();
      for (let redirects = 0; ; redirects++) {
        res = await request(hop.url, {
          method: hop.method as Dispatcher.HttpMethod,
          headers: hop.headers,
          body: hop.body ?? undefined,
          signal,
          dispatcher: this.plain,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs,
        });
        const location = res.headers.location;
        if (!req.followRedirects || !REDIRECT_STATUSES.has(res.statusCode) || typeof location !== 'string') break;
        if (redirects >= MAX_REDIRECTS) {
          await res.body.dump();
          return { kind: 'network', error: `Too many redirects (more than ${MAX_REDIRECTS})`, durationMs: elapsed() };
        }
        await res.body.dump();
        hop = redirectHop(hop, location, res.statusCode, {
          headers: req.secretHeaders ?? [],
          values: req.secrets ?? [],
        });
      }
      progress.headers?.(res.statusCode, elapsed());
      const max = Math.max(0, req.maxResponseBytes);
      const chunks: Buffer[] = [];
      let kept = 0;
      let bytes = 0;
      let truncated = false;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        if (kept < max) {
          const part = kept + chunk.length > max ? chunk.subarray(0, max - kept) : chunk;
          chunks.push(part);
          kept += part.length;
        }
        if (bytes > max) {
          truncated = true;
          res.body.destroy();
          break;
        }
      }
      const resHeaders: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) {
        if (v !== undefined) resHeaders[k] = Array.isArray(v) ? v.join(', ') : String(v);
      }
      const declared = Number(resHeaders['content-length']);
      if (truncated && Number.isFinite(declared) && declared > bytes) bytes = declared;
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      if (!truncated && /\bjson\b/i.test(resHeaders['content-type'] ?? '') && text.length) {
        try {
          body = JSON.parse(text);
        } catch {
          /* keep the text */
        }
      }
      return {
        kind: 'http',
        status: res.statusCode,
        headers: resHeaders,
        body,
        bytes,
        truncated,
        retryAfter: resHeaders['retry-after'],
        durationMs: elapsed(),
      };
    } catch (err) {
      if (cancel.aborted) return { kind: 'cancelled', error: 'Cancelled', durationMs: elapsed() };
      const e = err as Error & { code?: string; cause?: { message?: string; code?: string } };
      if (timeout.aborted || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT') {
        return { kind: 'timeout', error: `Timed out after ${req.timeoutMs} ms`, durationMs: elapsed() };
      }
      const detail = e.cause?.message ?? e.message;
      return { kind: 'network', error: `${e.code ?? e.cause?.code ?? 'ERROR'}: ${detail}`, durationMs: elapsed() };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.plain.close().catch(() => undefined);
  }
}
