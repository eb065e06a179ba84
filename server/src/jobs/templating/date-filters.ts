import { DateTime, type DateTimeUnit, type DurationLikeObject } from 'luxon';

/** Keywords the date helpers understand, relative to "now" in the template's zone. */
const DAY_KEYWORDS: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const UNITS: Record<string, keyof DurationLikeObject> = {
  year: 'years',
  years: 'years',
  month: 'months',
  months: 'months',
  week: 'weeks',
  weeks: 'weeks',
  day: 'days',
  days: 'days',
  hour: 'hours',
  hours: 'hours',
  minute: 'minutes',
  minutes: 'minutes',
  second: 'seconds',
  seconds: 'seconds',
};
const START_UNITS = new Set<DateTimeUnit>(['year', 'quarter', 'month', 'week', 'day', 'hour', 'minute', 'second']);

export class TemplateDateError extends Error {
  override name = 'TemplateDateError';
}

/** A parsed date value: date-only values stay dates through arithmetic and formatting. */
export interface ZonedValue {
  dt: DateTime;
  dateOnly: boolean;
}

/**
 * Interpret a template value as a point in time in `zone`:
 * 'today' | 'yesterday' | 'tomorrow' (dates), 'now', 'YYYY-MM-DD', ISO 8601 date-times, JS Dates, epoch ms.
 */
export function toZoned(value: unknown, zone: string, now: Date): ZonedValue {
  if (value instanceof Date) return { dt: DateTime.fromJSDate(value, { zone }), dateOnly: false };
  if (typeof value === 'number' && Number.isFinite(value))
    return { dt: DateTime.fromMillis(value, { zone }), dateOnly: false };
  if (typeof value !== 'string') throw new TemplateDateError(`not a date: ${JSON.stringify(value)}`);
  const v = value.trim();
  const lower = v.toLowerCase();
  const base = DateTime.fromJSDate(now, { zone });
  if (lower === 'now') return { dt: base, dateOnly: false };
  if (lower in DAY_KEYWORDS) return { dt: base.startOf('day').plus({ days: DAY_KEYWORDS[lower] }), dateOnly: true };
  if (ISO_DATE.test(v)) {
    const dt = DateTime.fromISO(v, { zone });
    if (!dt.isValid) throw new TemplateDateError(`not a valid date: ${v}`);
    return { dt, dateOnly: true };
  }
  // An explicit offset in the string is kept; without one the time is read in `zone`.
  const dt = DateTime.fromISO(v, { zone, setZone: true });
  if (!dt.isValid) throw new TemplateDateError(`not a date: ${JSON.stringify(v)}`);
  return { dt, dateOnly: false };
}

export function assertZone(zone: unknown): string {
  if (typeof zone !== 'string' || !DateTime.local().setZone(zone).isValid) {
    throw new TemplateDateError(`unknown time zone: ${JSON.stringify(zone)}`);
  }
  return zone;
}

export function formatZoned({ dt, dateOnly }: ZonedValue): string {
  return dateOnly ? dt.toISODate()! : dt.toISO({ suppressMilliseconds: true })!;
}

export function addToZoned(value: ZonedValue, amount: unknown, unit: unknown): ZonedValue {
  const n = typeof amount === 'string' ? Number(amount) : amount;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new TemplateDateError(`date_add amount must be an integer`);
  const key = typeof unit === 'string' ? UNITS[unit.toLowerCase()] : undefined;
  if (!key) throw new TemplateDateError(`date_add unit must be one of ${Object.keys(UNITS).join(', ')}`);
  const dateOnly = value.dateOnly && ['years', 'months', 'weeks', 'days'].includes(key);
  return { dt: value.dt.plus({ [key]: n }), dateOnly };
}

export function startOfZoned(value: ZonedValue, unit: unknown, end = false): ZonedValue {
  const u = String(unit).toLowerCase().replace(/s$/, '') as DateTimeUnit;
  if (!START_UNITS.has(u)) throw new TemplateDateError(`unit must be one of ${[...START_UNITS].join(', ')}`);
  const dt = end ? value.dt.endOf(u) : value.dt.startOf(u);
  return { dt, dateOnly: value.dateOnly && ['year', 'quarter', 'month', 'week', 'day'].includes(u) };
}
