import { Cron } from 'croner';
import { isValidTimeZone } from '../config/is-time-zone.js';

/**
 * Cron / interval maths for schedules. Pure functions of (spec, instant), no I/O.
 *
 * Cron expressions have 5 fields (`minute hour day-of-month month day-of-week`) or 6 (seconds
 * first), or one of the aliases below. Parsing is croner's ("5-or-6-parts" mode) with Vixie
 * cron's rule for the two day fields (man 5 crontab): when both day-of-month and day-of-week are
 * restricted and NEITHER starts with `*`, a day matching EITHER fires (`0 9 1 * 1` = the 1st of the
 * month and every Monday); when either starts with `*` (`*`, `*\/2`) the two fields AND
 * (`0 0 0 *\/2 * MON` = Mondays with an odd date). Per expression that is croner's `domAndDow`.
 * Field values are checked here first, so an error names the field, the value and its range
 * (`invalid cron "0 0 32 * *": day-of-month 32 is out of range 1-31`).
 *
 * Cron is wall-clock time in the schedule's IANA zone. The DST rule, for every pattern:
 *  - a wall time that does not exist (spring forward, e.g. 02:30 in Europe/Berlin on the last
 *    Sunday of March) fires once, at the instant of the jump (03:00 local); several skipped slots
 *    collapse into that one firing, and a real slot at the same instant is not doubled;
 *  - a wall time that occurs twice (fall back) fires once, on its first occurrence; the second
 *    pass of the repeated hour fires nothing (for a `* * * * *` pattern that hour runs once, not
 *    twice). Use an interval schedule for elapsed-time regularity.
 * croner alone follows this only for "fixed-time" patterns (`30 2 * * *`); for wildcard patterns
 * it skips gap slots and fires the repeated hour twice, so we evaluate croner on wall-clock time
 * (in UTC) and map each wall time to an instant ourselves.
 *
 * Intervals are elapsed time (no DST effect): slots at `anchor + k * N s`, anchor = `startsAt`
 * when set, else the Unix epoch (so every 60 s fires at second :00, every 3600 s on the UTC hour).
 *
 * `startsAt`/`endsAt` bound the slots inclusively: startsAt <= slot <= endsAt.
 */

export const CRON_ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

export class ScheduleSpecError extends Error {
  override name = 'ScheduleSpecError';
}

export interface ScheduleSpec {
  cron?: string | null;
  intervalSeconds?: number | null;
  timezone: string;
  startsAt?: Date | null;
  endsAt?: Date | null;
}

/** A parsed, validated spec that answers "next slot after t". */
export interface CompiledSpec {
  spec: ScheduleSpec;
  /** The 5/6-field expression after alias expansion (cron only). */
  expression: string | null;
  /** First slot strictly after `afterMs`, or null when there is none (ended). */
  next(afterMs: number): number | null;
}

/** Expands aliases and checks the field count; throws ScheduleSpecError with the reason. */
export function normalizeCron(cron: string): string {
  const trimmed = cron.trim().replace(/\s+/g, ' ');
  if (!trimmed) throw new ScheduleSpecError('cron must not be empty');
  if (trimmed.startsWith('@')) {
    const expanded = CRON_ALIASES[trimmed.toLowerCase()];
    if (!expanded) {
      throw new ScheduleSpecError(
        `cron alias ${trimmed} is not supported (use ${Object.keys(CRON_ALIASES).join(', ')})`,
      );
    }
    return expanded;
  }
  const fields = trimmed.split(' ').length;
  if (fields !== 5 && fields !== 6) {
    throw new ScheduleSpecError(
      `cron must have 5 fields (minute hour day month weekday) or 6 (second first), got ${fields}`,
    );
  }
  return trimmed;
}

interface CronField {
  name: string;
  min: number;
  max: number;
  names?: string[];
}

const FIELDS: CronField[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** The fields of a 5- or 6-field expression, each with its definition (a 5-field one has no second). */
function fieldsOf(expression: string): [CronField, string][] {
  const parts = expression.split(' ');
  const defs = parts.length === 6 ? FIELDS : FIELDS.slice(1);
  return parts.map((p, i) => [defs[i], p]);
}

/**
 * Checks every number of every field against the field's range, naming the field, the value and the
 * range; the rest of the syntax (L, W, #, names) is croner's to judge.
 */
export function checkCronFields(expression: string): void {
  for (const [f, text] of fieldsOf(expression)) {
    for (const part of text.split(',')) {
      const [range, step, extra] = part.split('/');
      if (extra !== undefined) throw new ScheduleSpecError(`${f.name} "${part}" has more than one step (/)`);
      if (step !== undefined) {
        const n = Number(step);
        if (!/^\d+$/.test(step) || n < 1 || n > f.max) {
          throw new ScheduleSpecError(`${f.name} step ${step} is out of range 1-${f.max}`);
        }
      }
      for (const v of range.replace(/^\+/, '').split('-')) {
        if (!/^\d+$/.test(v)) continue;
        const n = Number(v);
        if (n < f.min || n > f.max) {
          const names = f.names ? ` (or ${f.names[0]}-${f.names[f.names.length - 1]})` : '';
          throw new ScheduleSpecError(`${f.name} ${v} is out of range ${f.min}-${f.max}${names}`);
        }
      }
    }
  }
}

/**
 * Vixie cron's day rule: the day fields OR only when both are restricted and neither starts with `*`
 * (`?` is croner's `*`); otherwise they AND (a `*` field matches every day, so AND = the other field).
 */
export function daysAnd(expression: string): boolean {
  const f = fieldsOf(expression);
  const dom = f.find(([d]) => d.name === 'day-of-month')![1];
  const dow = f.find(([d]) => d.name === 'day-of-week')![1];
  return /^[*?]/.test(dom) || /^[*?]/.test(dow);
}

const croners = new Map<string, Cron>();

function cronFor(expression: string): Cron {
  let c = croners.get(expression);
  if (!c) {
    try {
      checkCronFields(expression);
    } catch (err) {
      throw new ScheduleSpecError(`invalid cron "${expression}": ${(err as Error).message}`);
    }
    try {
      c = new Cron(expression, {
        timezone: 'UTC',
        mode: '5-or-6-parts',
        domAndDow: daysAnd(expression),
        paused: true,
      });
    } catch (err) {
      throw new ScheduleSpecError(
        `invalid cron "${expression}": ${(err as Error).message.replace(/^CronPattern: /, '')}`,
      );
    }
    if (croners.size > 5000) croners.clear();
    croners.set(expression, c);
  }
  return c;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** wall(t) - t in ms for zone `tz` at instant `t` (whole seconds). */
export function offsetMs(tz: string, t: number): number {
  if (tz === 'UTC' || tz === 'Etc/UTC') return 0;
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(t))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(t / 1000) * 1000;
}

/** Wall-clock time (as a fake-UTC epoch ms) of instant `t` in `tz`. */
export function wallOf(tz: string, t: number): number {
  return t + offsetMs(tz, t);
}

/** Smallest whole-second instant in (lo, hi] whose offset differs from offset(lo). */
function transitionBetween(tz: string, lo: number, hi: number): number {
  const o = offsetMs(tz, lo);
  let a = Math.floor(lo / 1000);
  let b = Math.ceil(hi / 1000);
  while (b - a > 1) {
    const m = Math.floor((a + b) / 2);
    if (offsetMs(tz, m * 1000) === o) a = m;
    else b = m;
  }
  return b * 1000;
}

export interface ResolvedWall {
  /** The instant the wall time fires at: its only / first occurrence, or the jump when it does not exist. */
  instant: number;
  /** The transition instant when the wall time occurs twice (start of its second pass). */
  repeatTransition?: number;
  /** The offset before that transition. */
  offsetBefore?: number;
}

/** Maps a wall-clock time in `tz` to the instant it fires at (the DST rule above). */
export function resolveWall(tz: string, wall: number): ResolvedWall {
  const DAY = 86_400_000;
  const before = offsetMs(tz, wall - DAY - DAY / 2);
  const after = offsetMs(tz, wall + DAY + DAY / 2);
  const candidates = [...new Set([wall - before, wall - after])]
    .filter((t) => wallOf(tz, t) === wall)
    .sort((x, y) => x - y);
  if (candidates.length === 0) {
    // A gap: the wall time is skipped; fire at the jump.
    const lo = Math.min(wall - before, wall - after);
    const hi = Math.max(wall - before, wall - after);
    return { instant: transitionBetween(tz, lo, hi) };
  }
  if (candidates.length === 1) return { instant: candidates[0] };
  return {
    instant: candidates[0],
    repeatTransition: transitionBetween(tz, candidates[0], candidates[1]),
    offsetBefore: offsetMs(tz, candidates[0]),
  };
}

function nextCron(expression: string, tz: string, afterMs: number): number | null {
  const cron = cronFor(expression);
  // wallOf keeps the sub-second part of afterMs, so "strictly after" holds.
  let wallFrom = wallOf(tz, afterMs);
  for (let i = 0; i < 10_000; i++) {
    const next = cron.nextRun(new Date(wallFrom));
    if (!next) return null;
    const wall = next.getTime();
    const r = resolveWall(tz, wall);
    if (r.instant > afterMs) return r.instant;
    // The first occurrence of this wall time has passed: we are in the second pass of a repeated
    // hour. Skip to the end of the repeated wall window (transition + offset before it).
    wallFrom =
      r.repeatTransition !== undefined && r.offsetBefore !== undefined
        ? Math.max(wall, r.repeatTransition + r.offsetBefore - 1)
        : wall;
  }
  return null;
}

/** Validates and compiles a spec; throws ScheduleSpecError naming the problem. */
export function compileSpec(spec: ScheduleSpec, opts: { probe?: boolean } = {}): CompiledSpec {
  const hasCron = spec.cron !== undefined && spec.cron !== null;
  const hasInterval = spec.intervalSeconds !== undefined && spec.intervalSeconds !== null;
  if (hasCron === hasInterval) throw new ScheduleSpecError('exactly one of cron or intervalSeconds is required');
  if (!isValidTimeZone(spec.timezone)) {
    throw new ScheduleSpecError(`timezone "${spec.timezone}" is not an IANA time zone (e.g. Asia/Tokyo)`);
  }
  const startsAt = spec.startsAt ? spec.startsAt.getTime() : null;
  const endsAt = spec.endsAt ? spec.endsAt.getTime() : null;
  if (startsAt !== null && endsAt !== null && startsAt >= endsAt) {
    throw new ScheduleSpecError('startsAt must be before endsAt');
  }
  let raw: (afterMs: number) => number | null;
  let expression: string | null = null;
  if (hasCron) {
    const expr = normalizeCron(spec.cron as string);
    expression = expr;
    cronFor(expr);
    // One probe: patterns that never match (e.g. `0 0 30 2 *`) are rejected.
    if (opts.probe !== false && nextCron(expr, spec.timezone, Date.now()) === null) {
      throw new ScheduleSpecError(`cron "${spec.cron}" never fires`);
    }
    raw = (afterMs) => nextCron(expr, spec.timezone, afterMs);
  } else {
    const n = spec.intervalSeconds as number;
    if (!Number.isInteger(n) || n < 1 || n > 366 * 86400) {
      throw new ScheduleSpecError('intervalSeconds must be an integer between 1 and 31622400');
    }
    const step = n * 1000;
    const anchor = startsAt ?? 0;
    raw = (afterMs) => (afterMs < anchor ? anchor : anchor + (Math.floor((afterMs - anchor) / step) + 1) * step);
  }
  return {
    spec,
    expression,
    next(afterMs: number): number | null {
      const from = startsAt !== null && afterMs < startsAt ? startsAt - 1 : afterMs;
      const slot = raw(from);
      if (slot === null || (endsAt !== null && slot > endsAt)) return null;
      return slot;
    },
  };
}

/** Slots s with fromExclusive < s <= toInclusive, at most `limit` (earliest first). */
export function slotsBetween(c: CompiledSpec, fromExclusive: number, toInclusive: number, limit = 100_000): number[] {
  const out: number[] = [];
  let t = fromExclusive;
  while (out.length < limit) {
    const s = c.next(t);
    if (s === null || s > toInclusive) break;
    out.push(s);
    t = s;
  }
  return out;
}

/** The latest `n` slots in [first, last] (earliest first), without walking a long downtime slot by slot. */
export function lastSlots(c: CompiledSpec, first: number, last: number, n: number): number[] {
  if (n <= 0 || first > last) return [];
  for (const w of [60_000, 3_600_000, 86_400_000, 31 * 86_400_000, 366 * 86_400_000, Infinity]) {
    const from = Math.max(first - 1, last - w);
    const slots = slotsBetween(c, from, last, 1_000_000);
    if (slots.length >= n || from === first - 1) return slots.slice(-n);
  }
  return [];
}

export type MisfirePolicy = 'skip' | 'run_once' | 'run_all';

export interface FiringPlan {
  /** Slots to enqueue now (earliest first). */
  slots: number[];
  /** How many of them are catch-up runs for missed slots. */
  catchUp: number;
  /** The new next_run_at (null: no more slots). */
  nextRunAt: number | null;
}

/**
 * What a due schedule fires at `now`. Slots within `toleranceMs` of now are on time and always
 * fire. Older ones (the process was down or stalled) are misfires and follow the policy:
 * `skip` none, `run_once` the latest missed slot, `run_all` the latest `cap` missed slots.
 */
export function planFiring(
  c: CompiledSpec,
  nextRunAt: number,
  now: number,
  policy: MisfirePolicy,
  cap: number,
  toleranceMs: number,
): FiringPlan {
  const cutoff = now - toleranceMs;
  let catchUpSlots: number[] = [];
  const onTime: number[] = [];
  let next: number | null;
  if (nextRunAt > cutoff) {
    if (nextRunAt > now) return { slots: [], catchUp: 0, nextRunAt };
    onTime.push(nextRunAt);
    next = c.next(nextRunAt);
  } else {
    if (policy === 'run_once') catchUpSlots = lastSlots(c, nextRunAt, cutoff, 1);
    else if (policy === 'run_all') catchUpSlots = lastSlots(c, nextRunAt, cutoff, cap);
    next = c.next(cutoff);
  }
  // The common case (one slot due) costs one next() call.
  while (next !== null && next <= now) {
    onTime.push(next);
    next = c.next(next);
  }
  return { slots: [...catchUpSlots, ...onTime], catchUp: catchUpSlots.length, nextRunAt: next };
}
