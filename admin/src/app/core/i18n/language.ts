import { DOCUMENT, Injectable, inject, signal } from '@angular/core';
import { TranslateService } from '@ngx-translate/core';
import { firstValueFrom } from 'rxjs';

import { setErrorTranslator } from '../api/api-errors';

export const LANGUAGES = ['en', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Native names, shown in the language switcher whatever the current language is. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ja: '日本語' };

const STORAGE_KEY = 'api-manager.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The current UI language: remembered in localStorage, reflected in `<html lang>`. */
@Injectable({ providedIn: 'root' })
export class LanguageService {
  private readonly translate = inject(TranslateService);
  private readonly document = inject(DOCUMENT);
  private readonly current = signal<Language>('en');

  readonly language = this.current.asReadonly();

  constructor() {
    // API error codes are shown in the UI language (errors.<CODE>); a key without a text gives null.
    setErrorTranslator((key, params) => {
      const text: unknown = this.translate.instant(key, params);
      return typeof text === 'string' && text !== key ? text : null;
    });
  }

  /** Picks the stored language, else the browser's, and loads its strings. */
  init(): Promise<unknown> {
    this.translate.addLangs([...LANGUAGES]);
    this.translate.setFallbackLang('en');
    return this.use(this.stored() ?? this.fromBrowser());
  }

  async use(language: Language): Promise<void> {
    await firstValueFrom(this.translate.use(language));
    this.current.set(language);
    this.document.documentElement.lang = language;
    try {
      localStorage.setItem(STORAGE_KEY, language);
    } catch {
      // Storage can be unavailable (private mode, disabled cookies): the choice just isn't kept.
    }
  }

  private stored(): Language | null {
    try {
      const value = localStorage.getItem(STORAGE_KEY);
      return isLanguage(value) ? value : null;
    } catch {
      return null;
    }
  }

  private fromBrowser(): Language {
    const preferred = this.document.defaultView?.navigator.languages ?? [];
    return preferred.some((tag) => tag.toLowerCase().startsWith('ja')) ? 'ja' : 'en';
  }
}
