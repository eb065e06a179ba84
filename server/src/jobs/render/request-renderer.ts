import { BadRequestException, Injectable } from '@nestjs/common';
import type { HttpExecutorDefinition, SuccessStatus } from '@api-manager/contracts';
import { SecretBox } from '../../common/secret-box.js';
import { maskText, secretPatterns } from '../../common/secret-forms.js';
import type { Job } from '../job.entity.js';
import { declaredParams, MASK, ParamsResolver } from '../params/params-resolver.js';
import { TemplateEngine } from '../templating/template-engine.js';
import type { TemplateContext } from '../templating/template-context.js';
import { staticOrigin } from './url-guard.js';

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

export interface RenderedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  followRedirects: boolean;
  maxResponseBytes: number;
  successStatuses: (number | string)[];
  masked: { method: string; url: string; headers: Record<string, string>; body?: string };
  /** Plain secret values, for log/snapshot masking. */
  secrets: string[];
  /** Headers that carry a secret (marked secret, or rendered from one): never sent to another origin. */
  secretHeaders?: string[];
}

/** Renders a job's HTTP request for given (resolved) params. Never sends anything. */
@Injectable()
export class RequestRenderer {
  constructor(
    private readonly templates: TemplateEngine,
    private readonly secretBox: SecretBox,
    private readonly params: ParamsResolver,
  ) {}

  /**
   * `secretParams`: params that are secret for this run beyond the job's own secret params (a value given
   * sealed, or rendered from a secret by a chain): secrecy follows the value.
   */
  async render(
    job: Job,
    params: Record<string, unknown>,
    ctx: TemplateContext = {},
    secretParams: readonly string[] = [],
  ): Promise<RenderedRequest> {
    const ex = job.executor ?? {};
    if (ex.kind !== 'http') throw new BadRequestException(`executor.kind ${String(ex.kind)} cannot be rendered`);
    const base: TemplateContext = {
      ...ctx,
      params: declaredParams(job, params),
      timezone: ctx.timezone ?? job.timezone ?? this.templates.defaultZone(),
      now: ctx.now ?? new Date(),
    };
    const secretHeaders: Record<string, string> = {};
    for (const [name, v] of Object.entries((ex.headers ?? {}) as Record<string, unknown>)) {
      if (v && typeof v === 'object' && (v as { secret?: unknown }).secret === true) {
        const sealed = (v as { value?: string }).value;
        if (sealed) secretHeaders[name] = this.secretBox.decrypt(sealed);
      }
    }
    const secrets = [...Object.values(secretHeaders), ...this.params.secretValues(job, params, secretParams)].filter(
      (s) => s !== '',
    );
    const real = this.build(ex, base, secretHeaders);
    const maskedParams = this.params.maskParams(job, params, secretParams);
    const masked = this.build(
      ex,
      { ...base, params: declaredParams(job, maskedParams) },
      mapValues(secretHeaders, () => MASK),
    );
    const scrub = (s: string) => maskSecrets(s, secrets);
    const maskedHeaders = mapValues(masked.headers, scrub);
    return {
      ...real,
      timeoutMs: (ex.timeoutMs as number | undefined) ?? DEFAULT_TIMEOUT_MS,
      followRedirects: (ex.followRedirects as boolean | undefined) ?? false,
      maxResponseBytes: (ex.maxResponseBytes as number | undefined) ?? DEFAULT_MAX_RESPONSE_BYTES,
      successStatuses: (ex.successStatuses as SuccessStatus[] | undefined) ?? ['2xx'],
      masked: {
        method: masked.method,
        url: scrub(masked.url),
        headers: maskedHeaders,
        ...(masked.body === undefined ? {} : { body: scrub(masked.body) }),
      },
      secrets,
      secretHeaders: Object.keys(real.headers).filter(
        (h) =>
          h in secretHeaders || maskedHeaders[h] !== real.headers[h] || scrub(real.headers[h]!) !== real.headers[h],
      ),
    };
  }

  private build(
    ex: HttpExecutorDefinition,
    ctx: TemplateContext,
    secretHeaders: Record<string, string>,
  ): { method: string; url: string; headers: Record<string, string>; body?: string } {
    const errors: string[] = [];
    const tpl = (field: string, template: string): string => {
      try {
        return this.templates.render(template, ctx);
      } catch (err) {
        errors.push(`${field}: ${(err as Error).message}`);
        return '';
      }
    };
    const method = String(ex.method ?? 'GET').toUpperCase();
    const urlTemplate = String(ex.url);
    let url = tpl('executor.url', urlTemplate);
    const query = (ex.query ?? {}) as Record<string, string | string[]>;
    if (!errors.length) {
      try {
        const origin = staticOrigin(urlTemplate);
        const parsed = new URL(url);
        if (parsed.origin !== origin) {
          errors.push(`executor.url must keep scheme, host and port ${origin} (rendered ${parsed.origin})`);
        } else {
          for (const [key, value] of Object.entries(query)) {
            const values = Array.isArray(value) ? value : [value];
            values.forEach((v, i) => {
              const rendered = tpl(`executor.query.${key}${Array.isArray(value) ? `[${i}]` : ''}`, String(v));
              if (rendered !== '') parsed.searchParams.append(key, rendered);
            });
          }
          url = parsed.toString();
        }
      } catch (err) {
        errors.push(
          `executor.url ${(err as Error).message === 'Invalid URL' ? 'must render to a URL' : (err as Error).message}`,
        );
      }
    }
    const headers: Record<string, string> = {};
    for (const [name, v] of Object.entries((ex.headers ?? {}) as Record<string, unknown>)) {
      if (v && typeof v === 'object') {
        if (name in secretHeaders) headers[name] = secretHeaders[name];
        continue;
      }
      const rendered = tpl(`executor.headers.${name}`, String(v));
      if (/[\r\n\0]/.test(rendered)) errors.push(`executor.headers.${name} must not contain line breaks`);
      else headers[name] = rendered;
    }
    let body: string | undefined;
    if (ex.body !== undefined && ex.body !== null) {
      const hasType = Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
      if (typeof ex.body === 'string') {
        body = tpl('executor.body', ex.body);
        if (!hasType) headers['content-type'] = 'text/plain; charset=utf-8';
      } else {
        try {
          body = JSON.stringify(this.templates.renderValue(ex.body, ctx));
        } catch (err) {
          errors.push(`executor.body: ${(err as Error).message}`);
        }
        if (!hasType) headers['content-type'] = 'application/json';
      }
    }
    if (errors.length) throw new BadRequestException(errors);
    return { method, url, headers, ...(body === undefined ? {} : { body }) };
  }
}

function mapValues(o: Record<string, string>, fn: (v: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, fn(v)]));
}

/** Replace every occurrence of each secret (in every encoded form, see `secretForms`) by '***'. */
export function maskSecrets(text: string, secrets: string[]): string {
  return maskText(text, secretPatterns(secrets), MASK);
}
