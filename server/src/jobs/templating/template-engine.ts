import { Injectable } from '@nestjs/common';
import { DateTime } from 'luxon';
import { Liquid, type Template } from 'liquidjs';
import { AppConfig } from '../../config/app-config.js';
import {
  addToZoned,
  assertZone,
  formatZoned,
  startOfZoned,
  TemplateDateError,
  toZoned,
  type ZonedValue,
} from './date-filters.js';
import type { TemplateContext } from './template-context.js';
import { unknownVariable, type Segments, type VariableScope } from './template-variables.js';

/** A template failed to parse or render; `message` is safe to show the user. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

const MARKERS = /\{\{|\{%/;
/** `{{ expr }}` and nothing else: rendered to the expression's value, keeping its JSON type. */
const SINGLE_OUTPUT = /^\s*\{\{-?([^{}]*?)-?\}\}\s*$/;
const CACHE_MAX = 2000;

/** Hidden scope keys the date filters read (not reachable as plain names by accident). */
const TZ_KEY = '__tz';
const NOW_KEY = '__now';

export function hasTemplateMarkers(s: string): boolean {
  return MARKERS.test(s);
}

/**
 * Sandboxed LiquidJS: no file system (include/render/layout fail), unknown filters are errors,
 * only own properties of the data are visible, and parse/render time and memory are bounded.
 */
@Injectable()
export class TemplateEngine {
  private readonly liquid: Liquid;
  private readonly cache = new Map<string, Template[]>();

  constructor(private readonly config: AppConfig) {
    this.liquid = new Liquid({
      strictFilters: true,
      // An unknown variable is an error (a run fails with the reason), not an empty string; `if` and
      // `default` may still test for one (`{{ push.after | default: 'none' }}`).
      strictVariables: true,
      lenientIf: true,
      ownPropertyOnly: true,
      jsTruthy: false,
      dynamicPartials: false,
      relativeReference: false,
      root: [],
      partials: [],
      layouts: [],
      extname: '',
      cache: false,
      fs: NO_FS,
      parseLimit: 100_000,
      renderLimit: 1_000,
      memoryLimit: 10_000_000,
    });
    this.registerFilters();
  }

  defaultZone(): string {
    return this.config.DEFAULT_TIMEZONE;
  }

  /**
   * Throws TemplateError when `template` does not parse, or (with `scope`) when it reads a variable
   * that cannot exist there (used at save time).
   */
  check(template: string, scope?: VariableScope): void {
    const parsed = this.parse(template);
    if (!scope) return;
    let vars: Segments[];
    try {
      vars = this.liquid.globalVariableSegmentsSync(parsed) as Segments[];
    } catch (err) {
      throw new TemplateError(describe(err));
    }
    for (const v of vars) {
      const why = unknownVariable(v, scope);
      if (why) throw new TemplateError(why);
    }
  }

  /** Render a string template to text. */
  render(template: string, ctx: TemplateContext = {}): string {
    if (!hasTemplateMarkers(template)) return template;
    try {
      return String(this.liquid.renderSync(this.parse(template), this.scope(ctx)));
    } catch (err) {
      throw new TemplateError(describe(err));
    }
  }

  /**
   * Render keeping JSON types: a string that is exactly one `{{ expr }}` yields the expression's value
   * (number, array, object...); other strings render to text; arrays/objects are rendered recursively.
   */
  renderValue(value: unknown, ctx: TemplateContext = {}): unknown {
    if (typeof value === 'string') {
      const single = SINGLE_OUTPUT.exec(value);
      if (single) {
        try {
          this.parse(value);
          const out: unknown = this.liquid.evalValueSync(single[1], this.scope(ctx));
          return out === undefined ? null : toJson(out);
        } catch (err) {
          throw new TemplateError(describe(err));
        }
      }
      return this.render(value, ctx);
    }
    if (Array.isArray(value)) return value.map((v) => this.renderValue(v, ctx));
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.renderValue(v, ctx);
      return out;
    }
    return value;
  }

  private parse(template: string): Template[] {
    let parsed = this.cache.get(template);
    if (parsed) return parsed;
    try {
      parsed = this.liquid.parse(template);
    } catch (err) {
      throw new TemplateError(describe(err));
    }
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(template, parsed);
    return parsed;
  }

  private scope(ctx: TemplateContext): Record<string, unknown> {
    const zone = ctx.timezone ?? this.config.DEFAULT_TIMEZONE;
    const now = ctx.now ?? new Date();
    const base = DateTime.fromJSDate(now, { zone });
    return {
      params: ctx.params ?? {},
      // Absent (not null) when the run has none, so reading them is an error, not an empty string.
      ...(ctx.parent ? { parent: ctx.parent } : {}),
      ...(ctx.push ? { push: ctx.push } : {}),
      ...(ctx.needs ? { needs: ctx.needs } : {}),
      execution: ctx.execution ?? null,
      timezone: zone,
      now: base.toISO({ suppressMilliseconds: true }),
      today: base.toISODate(),
      yesterday: base.minus({ days: 1 }).toISODate(),
      tomorrow: base.plus({ days: 1 }).toISODate(),
      [TZ_KEY]: zone,
      [NOW_KEY]: now,
    };
  }

  private registerFilters(): void {
    const env = (self: unknown): { zone: string; now: Date } => {
      const context = (self as { context: { getSync(paths: string[]): unknown } }).context;
      return {
        zone: (context.getSync([TZ_KEY]) as string | undefined) ?? this.config.DEFAULT_TIMEZONE,
        now: (context.getSync([NOW_KEY]) as Date | undefined) ?? new Date(),
      };
    };
    const zoned = (self: unknown, value: unknown): ZonedValue => {
      const { zone, now } = env(self);
      return toZoned(value, zone, now);
    };
    const filters: Record<string, (this: unknown, value: unknown, ...args: unknown[]) => unknown> = {
      /** `'today' | in_zone: 'Asia/Tokyo'` -> 2024-05-01 (that zone's date); date-times are converted. */
      in_zone(value, zone) {
        const tz = assertZone(zone);
        const { now } = env(this);
        const z = toZoned(value, tz, now);
        return formatZoned(z.dateOnly ? z : { dt: z.dt.setZone(tz), dateOnly: false });
      },
      /** `date | date_add: -1, 'days'` */
      date_add(value, amount, unit) {
        return formatZoned(addToZoned(zoned(this, value), amount, unit));
      },
      date_sub(value, amount, unit) {
        const n = typeof amount === 'string' ? Number(amount) : amount;
        return formatZoned(addToZoned(zoned(this, value), typeof n === 'number' ? -n : n, unit));
      },
      /** Luxon tokens: `format_date: 'yyyy-LL-dd'`, optional zone as second argument. */
      format_date(value, format, zone) {
        if (typeof format !== 'string' || !format) throw new TemplateDateError('format_date needs a format');
        const z = zone === undefined ? zoned(this, value) : toZoned(value, assertZone(zone), env(this).now);
        const dt = zone === undefined || z.dateOnly ? z.dt : z.dt.setZone(zone as string);
        return dt.toFormat(format);
      },
      start_of(value, unit) {
        return formatZoned(startOfZoned(zoned(this, value), unit));
      },
      end_of(value, unit) {
        return formatZoned(startOfZoned(zoned(this, value), unit, true));
      },
      /** Seconds since the epoch. */
      unix(value) {
        return Math.floor(zoned(this, value).dt.toSeconds());
      },
    };
    for (const [name, fn] of Object.entries(filters)) this.liquid.registerFilter(name, fn);
  }
}

function toJson(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  return value;
}

function describe(err: unknown): string {
  const e = err as Error & { originalError?: Error };
  const inner = e.originalError ?? (e.cause instanceof Error ? e.cause : undefined);
  if (inner instanceof TemplateDateError) return inner.message;
  const msg = (e.message ?? String(err)).split('\n')[0];
  if (/^undefined variable: push,/.test(msg)) return `${msg} (this run has no push: it was not triggered by one)`;
  if (/^undefined variable: parent,/.test(msg)) return `${msg} (only chain steps have a parent)`;
  return msg;
}

const refuse = (): never => {
  throw new Error('templates cannot read files');
};
/** A file system that has nothing: include/render/layout tags fail. */
const NO_FS = {
  exists: () => Promise.resolve(false),
  existsSync: () => false,
  readFile: () => Promise.reject(new Error('templates cannot read files')),
  readFileSync: refuse,
  resolve: (_dir: string, file: string) => file,
  contains: () => Promise.resolve(false),
  containsSync: () => false,
  sep: '/',
};
