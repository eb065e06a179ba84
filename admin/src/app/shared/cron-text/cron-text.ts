import { Pipe, type PipeTransform, inject } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import cronstrue from 'cronstrue';
import 'cronstrue/locales/ja';

import { LanguageService, type Language } from '../../core/i18n/language';

/** What a schedule's "when" is: a cron expression or an interval, in an IANA zone. */
export interface CronSpec {
  cron?: string | null;
  intervalSeconds?: number | null;
  timezone?: string | null;
}

/** The server's aliases (server/src/schedules/schedule-clock.ts), expanded before describing. */
const CRON_ALIASES: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** Translate function: key + params -> text (TranslateService.instant, or a plain lookup in tests). */
export type Translate = (key: string, params?: Record<string, unknown>) => string;

/**
 * How the two day fields combine, by Vixie cron's rule (man 5 crontab), as the server applies it:
 * both restricted and neither starting with `*` (or `?`) -> a day matching EITHER fires; one
 * restricted but the other starting with `*` (e.g. `*\/2`) -> they AND. Null when at most one is
 * restricted (nothing to explain).
 */
export function dayRule(expression: string): 'either' | 'both' | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 5) return null;
  const [dom, , dow] = fields.slice(-3);
  const unrestricted = (f: string) => f === '*' || f === '?';
  if (unrestricted(dom) || unrestricted(dow)) return null;
  return /^[*?]/.test(dom) || /^[*?]/.test(dow) ? 'both' : 'either';
}

function describeInterval(seconds: number, t: Translate): string {
  const units: [number, string][] = [
    [86400, 'days'],
    [3600, 'hours'],
    [60, 'minutes'],
    [1, 'seconds'],
  ];
  const [size, unit] = units.find(([s]) => seconds % s === 0) ?? units[3];
  const n = seconds / size;
  return n === 1 ? t(`cronText.every.${unit}One`) : t(`cronText.every.${unit}`, { n });
}

/**
 * The schedule's "when" in words, in the UI language: cronstrue (the same version as the server,
 * with its ja locale) for cron, our own words for intervals, plus the day-field note when the
 * Vixie rule matters and the zone. Returns the raw expression when cronstrue cannot read it.
 */
export function describeCron(spec: CronSpec, language: Language, t: Translate): string {
  if (spec.cron) {
    const trimmed = spec.cron.trim();
    const expression = trimmed.startsWith('@') ? (CRON_ALIASES[trimmed.toLowerCase()] ?? trimmed) : trimmed;
    let text: string;
    try {
      text = cronstrue.toString(expression, {
        locale: language,
        use24HourTimeFormat: true,
        throwExceptionOnParseError: true,
      });
    } catch {
      return trimmed;
    }
    // cronstrue's ja locale starts a time with a stray "次において実施" ("at the following, run") and
    // joins the weekday with a dangling "〜と" ("and ~"): drop both, the day note below says how they combine.
    if (language === 'ja') text = text.replace(/^次において実施\s*/, '').replace(/、〜と\s*/g, '、');
    const rule = dayRule(expression);
    const parts = [text];
    if (rule) parts.push(t(`cronText.dayRule.${rule}`));
    if (spec.timezone) parts.push(t('cronText.zone', { zone: spec.timezone }));
    // Japanese notes are in full-width parentheses and need no space before them.
    return parts.join(language === 'ja' ? '' : ' ');
  }
  if (spec.intervalSeconds) return describeInterval(spec.intervalSeconds, t);
  return '';
}

/**
 * `{{ schedule | cronText }}`: the schedule's cron or interval described in the current UI language.
 * Impure (follows the language switch) with a one-entry cache, so change detection stays cheap.
 */
@Pipe({ name: 'cronText', pure: false })
export class CronTextPipe implements PipeTransform {
  private readonly language = inject(LanguageService);
  private readonly translate = inject(TranslateService);
  private lastKey = '';
  private lastText = '';

  transform(spec: CronSpec | null | undefined): string {
    if (!spec) return '';
    const language = this.language.language();
    const key = `${language}|${spec.cron ?? ''}|${spec.intervalSeconds ?? ''}|${spec.timezone ?? ''}`;
    if (key !== this.lastKey) {
      this.lastKey = key;
      this.lastText = describeCron(spec, language, (k, params) => this.translate.instant(k, params) as string);
    }
    return this.lastText;
  }
}
