import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { DOCUMENT, Injectable, computed, inject, signal } from '@angular/core';
import type { ChangePasswordRequest, LoginResponse, MeResponse, UserSummary } from '@api-manager/contracts';
import { firstValueFrom } from 'rxjs';

import { type Permission, roleCan } from './permissions';

const AUTH_URL = '/api/v1/auth';
/** The readable cookie the server sets next to the HttpOnly session cookie. */
export const CSRF_COOKIE = 'apm_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/**
 * Who is signed in, from GET /api/v1/auth/me. The session travels in the HttpOnly `apm_session`
 * cookie; the CSRF token in the readable `apm_csrf` cookie (sent back by `withXsrfConfiguration`).
 */
@Injectable({ providedIn: 'root' })
export class AuthService {
  private readonly http = inject(HttpClient);
  private readonly document = inject(DOCUMENT);
  /** undefined: not asked yet; null: signed out. */
  private readonly state = signal<MeResponse | null | undefined>(undefined);
  private pending: Promise<boolean> | null = null;

  readonly me = this.state.asReadonly();
  readonly user = computed<UserSummary | null>(() => this.state()?.user ?? null);
  readonly role = computed(() => this.user()?.role ?? null);
  readonly signedIn = computed(() => this.user() !== null);

  /** Whether the signed-in user's role allows `permission`; reactive when read in a template. */
  can(permission: Permission): boolean {
    return roleCan(this.role(), permission);
  }

  /** Asks the server once who is signed in; later calls reuse the answer. */
  ensureLoaded(): Promise<boolean> {
    const known = this.state();
    if (known !== undefined) {
      return Promise.resolve(known !== null);
    }
    // No CSRF cookie: no session either (both are set and cleared together), so no need to ask.
    if (!hasCookie(this.document, CSRF_COOKIE)) {
      this.state.set(null);
      return Promise.resolve(false);
    }
    this.pending ??= this.refresh().finally(() => (this.pending = null));
    return this.pending;
  }

  /** GET /auth/me; a 401 means signed out. */
  async refresh(): Promise<boolean> {
    try {
      const me = await firstValueFrom(this.http.get<MeResponse>(`${AUTH_URL}/me`));
      this.state.set(me);
      return true;
    } catch (error) {
      if (error instanceof HttpErrorResponse && error.status === 401) {
        this.state.set(null);
        return false;
      }
      throw error;
    }
  }

  async login(username: string, password: string): Promise<UserSummary> {
    const answer = await firstValueFrom(this.http.post<LoginResponse>(`${AUTH_URL}/login`, { username, password }));
    this.state.set({ kind: 'user', user: answer.user, csrfToken: answer.csrfToken });
    return answer.user;
  }

  /** Change my own password; the server ends my other sessions and keeps this one. */
  async changePassword(currentPassword: string, newPassword: string): Promise<void> {
    const body: ChangePasswordRequest = { currentPassword, newPassword };
    await firstValueFrom(this.http.post<void>(`${AUTH_URL}/password`, body));
  }

  /**
   * Signs out: forgets the user here at once, then runs `leave` (the caller navigates away, which
   * stops the page's polling and cancels its requests) and only then ends the session on the
   * server, so no request of the old page can meet the ended session and answer 401.
   */
  async logout(leave: () => Promise<unknown> = () => Promise.resolve()): Promise<void> {
    this.state.set(null);
    await leave();
    await firstValueFrom(this.http.post<void>(`${AUTH_URL}/logout`, {}));
  }

  /** The server said 401: the session is gone. */
  signedOut(): void {
    this.state.set(null);
  }
}

function hasCookie(document: Document, name: string): boolean {
  return document.cookie.split(';').some((part) => part.trim().startsWith(`${name}=`));
}
