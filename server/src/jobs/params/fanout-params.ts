import type { ParamDefDto } from '../dto/job.dto.js';
import { expandDateRange } from './date-range.js';
import type { ParamDef } from './params-resolver.js';

type Seal = (
  path: string,
  input: { secret: true; value?: string },
  previous: unknown,
) => { secret: true; value?: string };

const isSecret = (v: unknown): v is { secret: true; value?: string } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && (v as { secret?: unknown }).secret === true;

/**
 * The save-time rules of fan-out params (several make a matrix): `fanOut` on `string[]` or `daterange`;
 * `source` only on a fan-out `string[]` without a default (a failed fetch never falls back to one);
 * `step` only on `daterange`; the product of the literal defaults within FANOUT_MAX, counted before
 * expanding. `out` (the stored params) gets each `source` with its secret headers sealed.
 */
export function checkFanOutParams(
  input: ParamDefDto[],
  out: ParamDef[],
  prev: ParamDef[],
  zone: string,
  fanOutMax: number,
  seal: Seal,
  errors: string[],
): void {
  let product = 1;
  input.forEach((p, i) => {
    const path = `params.${i}`;
    if (p.fanOut && p.type !== 'string[]' && p.type !== 'daterange') {
      errors.push(`${path}.fanOut is only allowed on string[] and daterange params`);
    }
    if (p.step !== undefined && p.type !== 'daterange') errors.push(`${path}.step is only allowed on daterange params`);
    if (p.source) {
      if (!p.fanOut || p.type !== 'string[]') errors.push(`${path}.source is only allowed on fan-out string[] params`);
      if (p.default !== undefined && p.default !== null) {
        errors.push(`${path}.source and default exclude each other: a failed fetch never falls back to a default list`);
      }
      const prevHeaders = (prev.find((x) => x.name === p.name)?.source?.headers ?? {}) as Record<string, unknown>;
      const headers: Record<string, string | { secret: true; value?: string }> = {};
      for (const [k, v] of Object.entries(p.source.headers ?? {})) {
        headers[k] = isSecret(v) ? seal(`${path}.source.headers.${k}`, v, prevHeaders[k]) : v;
      }
      const src = { ...p.source, method: p.source.method ?? 'GET', timeoutMs: p.source.timeoutMs ?? 10_000 };
      const target = out[i];
      if (target) target.source = Object.keys(headers).length ? { ...src, headers } : omitHeaders(src);
    }
    if (!p.fanOut) return;
    const d = p.default;
    let n: number | null = null;
    if (Array.isArray(d)) n = d.length;
    else if (p.type === 'daterange' && typeof d === 'string' && !d.includes('{{')) {
      const dates = expandDateRange(d.includes('..') ? d : `${d}..${d}`, zone, new Date(), p.step ?? 1);
      if (typeof dates === 'string') errors.push(`${path}.default ${dates}`);
      else n = dates.length;
    }
    if (n !== null) product *= n;
  });
  if (product > fanOutMax) {
    errors.push(
      `params: the fan-out defaults make ${product} runs (the product of the lists): a run fans out to at most ${fanOutMax} (FANOUT_MAX)`,
    );
  }
}

function omitHeaders<T extends { headers?: unknown }>(s: T): Omit<T, 'headers'> {
  const { headers: _h, ...rest } = s;
  return rest;
}

/** A param definition with its source's secret headers passed through `fn` (masking for views and exports). */
export function mapSourceSecrets<P extends object>(p: P, fn: (v: unknown) => unknown): P {
  const src = (p as { source?: unknown }).source as { headers?: Record<string, unknown> } | undefined;
  if (!src?.headers) return p;
  return {
    ...p,
    source: { ...src, headers: Object.fromEntries(Object.entries(src.headers).map(([k, v]) => [k, fn(v)])) },
  };
}
