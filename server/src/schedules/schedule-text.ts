import cronstrueI18n from 'cronstrue/i18n.js';
import { offsetMs } from './schedule-clock.js';

// At run time the CommonJS module.exports (the default import) carries toString with every locale.
const cronstrue = cronstrueI18n as unknown as {
  toString(expression: string, options?: Record<string, unknown>): string;
};
export type DescribeLocale = 'en' | 'ja';

function describeInterval(seconds: number, locale: DescribeLocale): string {
  const units: [number, string, string, string][] = [
    [86400, 'day', 'days', '日'],
    [3600, 'hour', 'hours', '時間'],
    [60, 'minute', 'minutes', '分'],
    [1, 'second', 'seconds', '秒'],
  ];
  const [size, one, many, ja] = units.find(([s]) => seconds % s === 0) ?? units[3];
  const n = seconds / size;
  if (locale === 'ja') return `${n} ${ja}ごと`;
  return n === 1 ? `Every ${one}` : `Every ${n} ${many}`;
}

/** Human-readable text of a cron expression (already alias-expanded) or interval, in English or Japanese. */
export function describeSchedule(
  spec: { expression: string | null; intervalSeconds?: number | null; timezone: string },
  locale: DescribeLocale = 'en',
): string {
  const text = spec.expression
    ? cronstrue.toString(spec.expression, { locale, use24HourTimeFormat: true, throwExceptionOnParseError: false })
    : describeInterval(spec.intervalSeconds ?? 1, locale);
  return spec.expression ? `${text} (${spec.timezone})` : text;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ISO 8601 in the zone with its offset, e.g. 2026-01-01T09:00:00+09:00. */
export function isoInZone(t: number, tz: string): string {
  const off = offsetMs(tz, t);
  const d = new Date(Math.floor(t / 1000) * 1000 + off);
  const abs = Math.abs(off) / 60000;
  const sign = off < 0 ? '-' : '+';
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** "90", "90s", "5m", "2h", "1d" -> seconds; null when malformed. */
export function parseInterval(text: string): number | null {
  const m = /^\s*(\d{1,9})\s*(s|m|h|d)?\s*$/i.exec(text);
  if (!m) return null;
  const mult = { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * mult;
}
