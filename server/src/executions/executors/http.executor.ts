import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent, interceptors, request, type Dispatcher } from 'undici';
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

/** Runs one rendered HTTP request with undici: timeout, capped body, optional redirects, abortable. */
@Injectable()
export class HttpExecutor implements OnApplicationShutdown {
  private readonly plain = new Agent({ keepAliveTimeout: 10_000, connections: 256 });
  private readonly redirecting: Dispatcher = this.plain.compose(interceptors.redirect({ maxRedirections: 10 }));

  /**
   * `idempotencyKey` is the execution id: the same on every attempt and every re-run after a crash
   * (IETF httpapi Idempotency-Key draft), so a target can drop a repeat; `attempt` travels apart in `X-Attempt`.
   */
  async execute(
    req: RenderedRequest,
    idempotencyKey: string,
    attempt: number,
    cancel: AbortSignal,
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
      const res = await request(req.url, {
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: req.body ?? undefined,
        signal,
        dispatcher: req.followRedirects ? this.redirecting : this.plain,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.timeoutMs,
      });
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
