import { Injectable } from '@angular/core';
import { type TranslateLoader, type TranslationObject } from '@ngx-translate/core';
import { from, type Observable, of } from 'rxjs';

import { EN } from './en';

/**
 * Loads translations from TypeScript modules bundled with the app (no network fetch of JSON).
 * English is in the initial bundle (it is the fallback); Japanese is a lazy chunk.
 */
@Injectable()
export class TranslationLoader implements TranslateLoader {
  getTranslation(lang: string): Observable<TranslationObject> {
    if (lang === 'ja') {
      return from(import('./ja').then((m) => m.JA));
    }
    return of(EN);
  }
}
