const formats = new Map<string, Intl.DateTimeFormat>();

/** A date-time in the browser's time zone and the UI language; '—' when there is none. */
export function formatTime(value: string | null | undefined, language: string): string {
  if (!value) {
    return '—';
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return value;
  }
  let format = formats.get(language);
  if (!format) {
    format = new Intl.DateTimeFormat(language === 'ja' ? 'ja-JP' : 'en-US', {
      dateStyle: 'medium',
      timeStyle: 'medium',
    });
    formats.set(language, format);
  }
  return format.format(date);
}

/** "850 ms", "12.3 s", "4 min 5 s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) {
    return '—';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const s = ms / 1000;
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
