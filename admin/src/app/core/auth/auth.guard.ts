import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';

import { AuthService } from './auth.service';

/** Pages inside the shell: signed-in users only; others go to /login and come back afterwards. */
export const authGuard: CanActivateFn = async (_route, state) => {
  const router = inject(Router);
  const signedIn = await inject(AuthService)
    .ensureLoaded()
    .catch(() => false);
  return (
    signedIn || router.createUrlTree(['/login'], { queryParams: state.url === '/' ? {} : { returnUrl: state.url } })
  );
};

/** The login page: a signed-in user goes straight to the dashboard. */
export const guestGuard: CanActivateFn = async () => {
  const router = inject(Router);
  const signedIn = await inject(AuthService)
    .ensureLoaded()
    .catch(() => false);
  return signedIn ? router.createUrlTree(['/']) : true;
};

/** A same-app path to return to after login (never another origin). */
export function safeReturnUrl(value: string | null | undefined): string {
  return value && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/login') ? value : '/';
}
