import { BadRequestException, Injectable } from '@nestjs/common';
import type { ParamDefinition } from '@api-manager/contracts';
import { LIMITS } from '../../common/limits.js';
import { DateTime } from 'luxon';
import { DATE_RANGE_MAX_DAYS } from '../../../../libs/contracts/src/fanout.js';
import { expandDateRange } from './date-range.js';
import { compileSafeRegExp, type SafeRegExp } from '../../common/safe-regex.js';
import { SecretBox } from '../../common/secret-box.js';
import type { Job } from '../job.entity.js';
import { TemplateEngine, TemplateError } from '../templating/template-engine.js';
import type { TemplateContext } from '../templating/template-context.js';

/** A param definition as stored (secret defaults are `{secret: true, value: 'enc:v1:...'}`). */
export type ParamDef = ParamDefinition<{ secret: true; value?: string }>;

export const MASK = '***';
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_KEYWORDS: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };

/** Turns caller input into the typed, validated params of one run. */
@Injectable()
export class ParamsResolver {
  constructor(
    private readonly templates: TemplateEngine,
    private readonly secrets: SecretBox,
  ) {}

  /**
   * Apply defaults (templates rendered in declaration order, so a default may use earlier params),
   * coerce and validate types, required, pattern and enum. Unknown params are an error.
   * Values given sealed — `enc:v1:` strings (see `sealParams`) or `{secret: true, value}` (a schedule's or
   * chain step's sealed value) — are decrypted, whatever param they fill (see `taintedNames`).
   * Throws BadRequestException listing every problem (`params.<name> ...`).
   */
  /** The zone a manual run's templates (`'today' | in_zone`, dates) are read in. */
  zoneOf(job: Job): string {
    return job.timezone ?? this.templates.defaultZone();
  }

  async resolve(job: Job, input: Record<string, unknown>, ctx: TemplateContext = {}): Promise<Record<string, unknown>> {
    const defs = (job.params ?? []) as ParamDef[];
    const errors: string[] = [];
    const known = new Set(defs.map((d) => d.name));
    for (const key of Object.keys(input ?? {})) {
      if (!known.has(key)) errors.push(`params.${key} is not a parameter of job ${job.name}`);
    }
    const out: Record<string, unknown> = {};
    const timezone = ctx.timezone ?? job.timezone ?? this.templates.defaultZone();
    const now = ctx.now ?? new Date();
    for (const def of defs) {
      const path = `params.${def.name}`;
      let value: unknown = input?.[def.name];
      if (isSecretInput(value)) value = value.value;
      if (this.secrets.isEncrypted(value)) value = this.decrypt(value, path, errors);
      if (isEmpty(value) && def.default !== undefined && def.default !== null) {
        try {
          value = this.defaultValue(def, { ...ctx, params: out, timezone, now });
        } catch (err) {
          errors.push(`${path} default: ${(err as Error).message}`);
          continue;
        }
      }
      if (isEmpty(value)) {
        // A param with a `source` gets its items when the run starts (the worker fetches them).
        if (def.required && !def.source) errors.push(`${path} is required`);
        continue;
      }
      const coerced = coerceParam(def, value, path, timezone, now);
      if (typeof coerced === 'string') errors.push(coerced.slice(1));
      else out[def.name] = coerced.value;
    }
    if (errors.length) throw new BadRequestException(errors);
    return out;
  }

  /**
   * Render a param mapping (chain `params`, webhook trigger `params`): strings are templates; a string that is
   * exactly `{{ expr }}` keeps the value's JSON type (e.g. an array for a string[] param).
   */
  async renderMapping(mapping: Record<string, unknown>, ctx: TemplateContext): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const errors: string[] = [];
    for (const [key, value] of Object.entries(mapping ?? {})) {
      // A sealed value stays sealed (enqueue decrypts it and keeps it secret); one never set is left out.
      if (isSecretInput(value)) {
        if (value.value) out[key] = value.value;
        continue;
      }
      try {
        out[key] = this.templates.renderValue(value, ctx);
      } catch (err) {
        errors.push(`params.${key}: ${(err as Error).message}`);
      }
    }
    if (errors.length) throw new BadRequestException(errors);
    return out;
  }

  /** The job's first fan-out param (a `string[]` or `daterange` marked `fanOut`), if any. */
  fanOutParam(job: Job): ParamDef | undefined {
    return ((job.params ?? []) as ParamDef[]).find((p) => p.fanOut);
  }

  /** Every fan-out param, in declaration order (several = a matrix). */
  fanOutParams(job: Job): ParamDef[] {
    return ((job.params ?? []) as ParamDef[]).filter((p) => p.fanOut);
  }

  /** Names of the job's secret params. */
  secretParamNames(job: Job): string[] {
    return ((job.params ?? []) as ParamDef[]).filter((p) => p.secret).map((p) => p.name);
  }

  /**
   * Names of the params that are secret for one run: the job's secret params, `extra` (e.g. a chain's
   * params rendered from a secret) and every param whose given value is sealed (`enc:v1:` or
   * `{secret: true, value}`). Secrecy follows the value: a run's stored params keep these sealed, so a
   * retry or the runner finds them again.
   */
  taintedNames(job: Job, input: Record<string, unknown> | null | undefined, extra: readonly string[] = []): string[] {
    const names = new Set([...this.secretParamNames(job), ...extra]);
    for (const [k, v] of Object.entries(input ?? {})) {
      if (this.secrets.isEncrypted(v) || isSecretInput(v)) names.add(k);
    }
    return [...names];
  }

  /** Resolved params with secret ones replaced by '***' (for API responses, snapshots, logs). */
  maskParams(job: Job, params: Record<string, unknown>, extra: readonly string[] = []): Record<string, unknown> {
    const out = { ...params };
    for (const name of new Set([...this.secretParamNames(job), ...extra])) if (name in out) out[name] = MASK;
    return out;
  }

  /**
   * Resolved params with secret ones (the job's and `extra`) encrypted (JSON inside), safe to store
   * (e.g. executions.params). `unsealParams` (or `resolve`) reads them back.
   */
  sealParams(job: Job, params: Record<string, unknown>, extra: readonly string[] = []): Record<string, unknown> {
    const out = { ...params };
    for (const name of new Set([...this.secretParamNames(job), ...extra])) {
      const v = out[name];
      if (v !== undefined && !this.secrets.isEncrypted(v)) out[name] = this.secrets.encrypt(JSON.stringify(v));
    }
    return out;
  }

  /** Inverse of `sealParams`: decrypts sealed params and changes nothing else (no defaults, no coercion). */
  unsealParams(_job: Job, params: Record<string, unknown>): Record<string, unknown> {
    const out = { ...params };
    for (const [name, v] of Object.entries(out)) {
      if (this.secrets.isEncrypted(v)) out[name] = parseSealed(this.secrets.decrypt(v));
    }
    return out;
  }

  /** Plain values of secret params, the job's and `extra` (for masking their occurrences in logs and snapshots). */
  secretValues(job: Job, params: Record<string, unknown>, extra: readonly string[] = []): string[] {
    const values: string[] = [];
    for (const name of new Set([...this.secretParamNames(job), ...extra])) {
      const v = params[name];
      if (Array.isArray(v)) values.push(...v.map(String));
      else if (v !== undefined && v !== null && v !== '') values.push(String(v));
    }
    return values;
  }

  private defaultValue(def: ParamDef, ctx: TemplateContext): unknown {
    const d = def.default;
    if (d && typeof d === 'object' && !Array.isArray(d) && (d as { secret?: unknown }).secret === true) {
      const sealed = (d as { value?: string }).value;
      return sealed ? this.secrets.decrypt(sealed) : undefined;
    }
    if (typeof d === 'string') {
      try {
        return this.templates.renderValue(d, ctx);
      } catch (err) {
        throw new Error(err instanceof TemplateError ? err.message : String(err));
      }
    }
    return d;
  }

  private decrypt(value: string, path: string, errors: string[]): unknown {
    try {
      return parseSealed(this.secrets.decrypt(value));
    } catch (err) {
      errors.push(`${path}: ${(err as Error).message}`);
      return undefined;
    }
  }
}

/**
 * The params templates see: every declared param (null when the run has no value for it), then the
 * run's values. A declared optional param renders empty; an undeclared name is an unknown variable.
 */
export function declaredParams(job: Pick<Job, 'params'>, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of (job.params ?? []) as ParamDef[]) out[p.name] = null;
  return Object.assign(out, params);
}

/** Sealed params hold JSON; a value encrypted elsewhere may be a bare string. */
function parseSealed(plain: string): unknown {
  try {
    return JSON.parse(plain) as unknown;
  } catch {
    return plain;
  }
}

/** `{secret: true, value?}`: a secret given (or stored, then `value` is `enc:v1:…`) in that form. */
export function isSecretInput(v: unknown): v is { secret: true; value?: string } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && (v as { secret?: unknown }).secret === true;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

type Coerced = { value: unknown } | string;

/** Coerce one param value; a string starting with NUL is an error message. */
export function coerceParam(def: ParamDef, value: unknown, path: string, zone: string, now: Date): Coerced {
  const fail = (msg: string): string => `\u0000${path} ${msg}`;
  let pattern: SafeRegExp | undefined;
  if (def.pattern) {
    try {
      pattern = compileSafeRegExp(def.pattern);
    } catch (err) {
      // A pattern saved before RE2 (lookaround, backreferences) fails closed: the job must be edited.
      return fail(`has a pattern RE2 cannot run (${(err as Error).message}); edit the job`);
    }
  }
  const checkPattern = (s: string, p = path): string | undefined => {
    if (s.length > LIMITS.paramValueMaxLength) {
      return `\u0000${p} must be at most ${LIMITS.paramValueMaxLength} characters`;
    }
    return pattern && !pattern.test(s) ? `\u0000${p} must match ${def.pattern}` : undefined;
  };
  switch (def.type) {
    case 'string': {
      if (!['string', 'number', 'boolean'].includes(typeof value)) return fail('must be a string');
      const s = String(value);
      return checkPattern(s) ?? { value: s };
    }
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) return fail('must be a number');
      return checkPattern(String(n)) ?? { value: n };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      const s = String(value).trim().toLowerCase();
      if (['true', '1', 'yes'].includes(s)) return { value: true };
      if (['false', '0', 'no'].includes(s)) return { value: false };
      return fail('must be a boolean');
    }
    case 'date': {
      if (typeof value !== 'string') return fail('must be a date (YYYY-MM-DD)');
      const v = value.trim();
      const key = v.toLowerCase();
      let out: string | null = null;
      if (key in DAY_KEYWORDS) {
        out = DateTime.fromJSDate(now, { zone }).plus({ days: DAY_KEYWORDS[key] }).toISODate();
      } else if (ISO_DATE.test(v) && DateTime.fromISO(v).isValid) {
        out = v;
      }
      if (!out) return fail('must be a date (YYYY-MM-DD)');
      return checkPattern(out) ?? { value: out };
    }
    case 'datetime': {
      let dt: DateTime | undefined;
      if (value instanceof Date) dt = DateTime.fromJSDate(value, { zone });
      else if (typeof value === 'string') {
        const v = value.trim();
        dt =
          v.toLowerCase() === 'now' ? DateTime.fromJSDate(now, { zone }) : DateTime.fromISO(v, { zone, setZone: true });
      }
      if (!dt?.isValid) return fail('must be an ISO 8601 date-time');
      const out = dt.toISO({ suppressMilliseconds: true })!;
      return checkPattern(out) ?? { value: out };
    }
    case 'enum': {
      const s = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
      if (typeof s !== 'string' || !(def.enum ?? []).includes(s)) {
        return fail(`must be one of ${(def.enum ?? []).join(', ')}`);
      }
      return { value: s };
    }
    case 'string[]': {
      let items: unknown[];
      if (Array.isArray(value)) items = value;
      else if (typeof value === 'string')
        items = value
          .split(/[\n,]/)
          .map((s) => s.trim())
          .filter((s) => s !== '');
      else return fail('must be a list of strings');
      if (!def.fanOut && items.length > LIMITS.paramListMaxItems) {
        return fail(`must have at most ${LIMITS.paramListMaxItems} items`);
      }
      const out: string[] = [];
      for (let i = 0; i < items.length; i++) {
        const item = items[i];
        if (!['string', 'number'].includes(typeof item)) return fail(`[${i}] must be a string`);
        const s = String(item);
        const bad = checkPattern(s, `${path}[${i}]`);
        if (bad) return bad;
        out.push(s);
      }
      if (def.required && out.length === 0) return fail('must not be empty');
      return { value: out };
    }
    case 'daterange': {
      // `a..b` (inclusive, in the job's zone), one date, or a list of dates (a stored run's expanded range).
      const texts = Array.isArray(value) ? value : typeof value === 'string' ? [value] : null;
      if (!texts || texts.some((t) => typeof t !== 'string'))
        return fail('must be a date range like 2026-11-01..2026-11-07');
      const out: string[] = [];
      for (const t of texts as string[]) {
        const dates = expandDateRange(t.includes('..') ? t : `${t}..${t}`, zone, now, def.step ?? 1);
        if (typeof dates === 'string') return fail(dates);
        out.push(...dates);
      }
      if (out.length > DATE_RANGE_MAX_DAYS) return fail(`must hold at most ${DATE_RANGE_MAX_DAYS} dates`);
      return { value: out };
    }
    default:
      return fail(`has an unknown type ${String(def.type)}`);
  }
}
