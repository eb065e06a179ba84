import { HttpErrorResponse } from '@angular/common/http';
import { Pipe, type PipeTransform, inject } from '@angular/core';

import { translatedApiError } from '../../core/api/api-errors';
import { DisplayZone } from './display-zone';

const dateTimeFormats = new Map<string, Intl.DateTimeFormat>();

/** A date-time in the browser's time zone, in the UI language ("2026/12/01 9:00:05" / "12/1/2026, 9:00:05 AM"). */
export function formatDateTime(value: string | Date | null | undefined, lang: string, timeZone?: string): string {
  if (!value) return '—';
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) return String(value);
  const key = `${lang}|${timeZone ?? ''}`;
  let format = dateTimeFormats.get(key);
  if (!format) {
    const locale = lang === 'ja' ? 'ja-JP' : 'en-US';
    try {
      // dateStyle/timeStyle cannot be combined with timeZoneName: spell the fields out.
      format = new Intl.DateTimeFormat(
        locale,
        timeZone
          ? {
              year: 'numeric',
              month: 'short',
              day: 'numeric',
              weekday: 'short',
              hour: 'numeric',
              minute: '2-digit',
              second: '2-digit',
              timeZone,
              timeZoneName: 'short',
            }
          : { dateStyle: 'medium', timeStyle: 'medium' },
      );
    } catch {
      // An unknown time zone: show the browser's time instead of failing.
      format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    }
    dateTimeFormats.set(key, format);
  }
  return format.format(date);
}

/** "850 ms", "12.3 s", "4 min 5 s", "2 h 3 min". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/**
 * `{{ iso | appTime: lang() }}`, or `{{ iso | appTime: lang() : zone }}` for a given zone.
 * Without a zone, the display zone (Settings → Preferences) applies: the pipe is impure so that
 * reading that signal during rendering refreshes the view when it changes (formats are cached).
 */
@Pipe({ name: 'appTime', pure: false })
export class TimePipe implements PipeTransform {
  private readonly display = inject(DisplayZone);

  transform(value: string | Date | null | undefined, lang: string, timeZone?: string): string {
    const chosen = this.display.choice();
    return formatDateTime(value, lang, timeZone ?? chosen ?? undefined);
  }
}

@Pipe({ name: 'appDuration' })
export class DurationPipe implements PipeTransform {
  transform(ms: number | null | undefined): string {
    return formatDuration(ms);
  }
}

/** Pretty JSON for display (strings stay as they are). */
@Pipe({ name: 'appJson' })
export class JsonTextPipe implements PipeTransform {
  transform(value: unknown): string {
    if (value === undefined) return '';
    if (typeof value === 'string') {
      try {
        return JSON.stringify(JSON.parse(value), null, 2);
      } catch {
        return value;
      }
    }
    return JSON.stringify(value, null, 2);
  }
}

/** The message of an API error: its `code` in the UI language when known, else the server's (`{message}` of a Nest error, joined when it is a list), else the HTTP status. */
export function apiErrorMessage(error: unknown): string {
  if (error instanceof HttpErrorResponse) {
    // A coded error in the UI language (core/api/api-errors.ts); an unknown code keeps the English message.
    const translated = translatedApiError(error);
    if (translated) return translated.join('; ');
    const body = error.error as { message?: unknown } | string | null;
    const message = typeof body === 'object' && body !== null ? body.message : body;
    if (Array.isArray(message)) return message.map(String).join('; ');
    if (typeof message === 'string' && message) return message;
    return error.status ? `HTTP ${error.status} ${error.statusText}`.trim() : 'network error';
  }
  return error instanceof Error ? error.message : String(error);
}
