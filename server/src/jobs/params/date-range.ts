import { DateTime } from 'luxon';
import { DATE_RANGE_MAX_DAYS } from '../../../../libs/contracts/src/fanout.js';

const DAY_KEYWORDS: Record<string, number> = { today: 0, yesterday: -1, tomorrow: 1 };
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** One end of a range: an ISO date, or today/yesterday/tomorrow read in `zone`. */
function day(text: string, zone: string, now: Date): DateTime | null {
  const v = text.trim().toLowerCase();
  if (v in DAY_KEYWORDS) {
    return DateTime.fromJSDate(now, { zone }).startOf('day').plus({ days: DAY_KEYWORDS[v] });
  }
  if (!ISO_DATE.test(v)) return null;
  const d = DateTime.fromISO(v, { zone });
  return d.isValid ? d : null;
}

/**
 * `2026-11-01..2026-11-07` → every date from the first to the last, both included, `step` days apart,
 * as ISO dates. Calendar days in `zone` (a keyword end is "today in that zone"), so a month end or a DST
 * change is one day like any other. Returns an error message (a string) for a bad range.
 */
export function expandDateRange(value: string, zone: string, now: Date, step = 1): string[] | string {
  const parts = value.split('..');
  if (parts.length !== 2) return 'must be a date range like 2026-11-01..2026-11-07';
  const from = day(parts[0], zone, now);
  const to = day(parts[1], zone, now);
  if (!from || !to) return 'must be a date range like 2026-11-01..2026-11-07 (ISO dates, or today/yesterday/tomorrow)';
  if (!Number.isInteger(step) || step < 1) return 'step must be a whole number of days, at least 1';
  const days = Math.round(to.diff(from, 'days').days);
  if (days < 0) return `must run forward: ${from.toISODate()} is after ${to.toISODate()}`;
  if (days + 1 > DATE_RANGE_MAX_DAYS) {
    return `must span at most ${DATE_RANGE_MAX_DAYS} days (${days + 1} given)`;
  }
  const out: string[] = [];
  for (let i = 0; i <= days; i += step) out.push(from.plus({ days: i }).toISODate()!);
  return out;
}

/** A string that looks like a range (`a..b`), as opposed to a list of dates. */
export const isDateRangeText = (v: unknown): v is string => typeof v === 'string' && v.includes('..');
