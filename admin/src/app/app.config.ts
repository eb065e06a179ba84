import { provideHttpClient, withFetch, withInterceptors, withXsrfConfiguration } from '@angular/common/http';
import {
  type ApplicationConfig,
  inject,
  provideAppInitializer,
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
} from '@angular/core';
import { TitleStrategy, provideRouter, withComponentInputBinding, withInMemoryScrolling } from '@angular/router';
import { provideTranslateLoader, provideTranslateService } from '@ngx-translate/core';

import { routes } from './app.routes';
import { CSRF_COOKIE, CSRF_HEADER } from './core/auth/auth.service';
import { acceptLanguageInterceptor } from './core/http/accept-language-interceptor';
import { unauthorizedInterceptor } from './core/http/unauthorized-interceptor';
import { LanguageService } from './core/i18n/language';
import { TranslatedTitleStrategy } from './core/i18n/translated-title-strategy';
import { TranslationLoader } from './core/i18n/translation-loader';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(routes, withComponentInputBinding(), withInMemoryScrolling({ scrollPositionRestoration: 'top' })),
    { provide: TitleStrategy, useClass: TranslatedTitleStrategy },
    provideHttpClient(
      withFetch(),
      withInterceptors([acceptLanguageInterceptor, unauthorizedInterceptor]),
      // Double-submit CSRF: the server's readable `apm_csrf` cookie goes back as X-CSRF-Token on
      // state-changing requests (server/src/auth/auth-crypto.ts, cookies.ts).
      withXsrfConfiguration({ cookieName: CSRF_COOKIE, headerName: CSRF_HEADER }),
    ),
    provideTranslateService({
      loader: provideTranslateLoader(TranslationLoader),
      fallbackLang: 'en',
    }),
    provideAppInitializer(() => inject(LanguageService).init()),
  ],
};
