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
