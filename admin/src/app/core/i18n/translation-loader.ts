import { Injectable } from '@angular/core';
import { type TranslateLoader, type TranslationObject } from '@ngx-translate/core';
import { from, type Observable } from 'rxjs';

/**
 * Loads translations from TypeScript modules bundled with the app (no network fetch of JSON).
 * Each language is a lazy chunk, so the initial bundle carries no dictionary; the app
 * initializer waits for the chosen one before the first render.
 */
@Injectable()
export class TranslationLoader implements TranslateLoader {
  getTranslation(lang: string): Observable<TranslationObject> {
    if (lang === 'ja') {
      return from(import('./ja').then((m) => m.JA));
    }
    return from(import('./en').then((m) => m.EN));
  }
}
