import { Injectable, computed, signal } from '@angular/core';

const STORAGE_KEY = 'api-manager.timeZone';

/** The browser's own IANA time zone (e.g. Asia/Tokyo). */
export const BROWSER_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Whether `zone` is an IANA time zone this browser knows. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The time zone dates are shown in: the browser's (default) or one the operator chose,
 * remembered in localStorage.
 */
@Injectable({ providedIn: 'root' })
export class DisplayZone {
  private readonly chosen = signal<string | null>(readStored());

  /** The chosen zone, or null for "the browser's". */
  readonly choice = this.chosen.asReadonly();
  /** The zone to format dates in. */
  readonly zone = computed(() => this.chosen() ?? BROWSER_ZONE);

  /** Pass null to follow the browser again. Unknown zones are refused (returns false). */
  set(zone: string | null): boolean {
    const value = zone?.trim() || null;
    if (value && !isTimeZone(value)) return false;
    this.chosen.set(value);
    try {
      if (value) localStorage.setItem(STORAGE_KEY, value);
      else localStorage.removeItem(STORAGE_KEY);
    } catch {
      // Storage unavailable: the choice lasts for this page only.
    }
    return true;
  }
}

function readStored(): string | null {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value && isTimeZone(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * A wall-clock time typed in a `datetime-local` input (`YYYY-MM-DDTHH:mm[:ss]`), read in `zone`, as an
 * ISO 8601 instant (UTC); undefined when it is not such a time. A time inside a DST gap resolves to
 * the instant after the jump; a repeated hour to its first occurrence.
 */
export function zonedToIso(local: string, zone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!m) return undefined;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] ?? 0));
  if (Number.isNaN(wall)) return undefined;
  // The offsets a day before and after (a transition lies between them at most): a candidate instant
  // is right when the zone shows `wall` at it. Both (a repeated hour): the first; none (a gap): the
  // offset before the gap, which lands after the jump (as Temporal's "compatible").
  const day = 86_400_000;
  const before = offsetMs(wall - day, zone);
  const after = offsetMs(wall + day, zone);
  const valid = [wall - before, wall - after].filter((c) => offsetMs(c, zone) === wall - c);
  const t = valid.length ? Math.min(...valid) : wall - before;
  return new Date(t).toISOString();
}

/** The wall-clock fields (year … second, 24-hour) of instant `t` in `zone`. */
function wallClock(t: number, zone: string): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', string> {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(t));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
  };
}

/** UTC offset of `zone` at instant `t`, in ms (Asia/Tokyo: +9 h). */
function offsetMs(t: number, zone: string): number {
  const w = wallClock(t, zone);
  const asUtc = Date.UTC(+w.year, +w.month - 1, +w.day, +w.hour, +w.minute, +w.second);
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** An instant as a `datetime-local` value (`YYYY-MM-DDTHH:mm`) on the wall clock of `zone`; '' when empty or invalid. */
export function isoToZoned(iso: string | null | undefined, zone: string): string {
  const t = iso ? Date.parse(iso) : NaN;
  if (Number.isNaN(t)) return '';
  const w = wallClock(t, zone);
  return `${w.year}-${w.month}-${w.day}T${w.hour}:${w.minute}`;
}
