import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { Router } from '@angular/router';
import { tap } from 'rxjs';

import { AuthService } from '../auth/auth.service';

/** Calls whose 401 is an answer, not an expired session. */
const OWN_401 = ['/api/v1/auth/login', '/api/v1/auth/me'];

/** A 401 from the API means the session ended: forget the user and go to /login (then come back). */
export const unauthorizedInterceptor: HttpInterceptorFn = (req, next) => {
  if (!req.url.startsWith('/api/') || OWN_401.some((url) => req.url.startsWith(url))) {
    return next(req);
  }
  const auth = inject(AuthService);
  const router = inject(Router);
  return next(req).pipe(
    tap({
      error: (error: unknown) => {
        if (error instanceof HttpErrorResponse && error.status === 401) {
          auth.signedOut();
          const current = router.url;
          if (!current.startsWith('/login')) {
            void router.navigate(['/login'], { queryParams: current === '/' ? {} : { returnUrl: current } });
          }
        }
      },
    }),
  );
};
