import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ApiTokenSummary,
  AuditEventList,
  CreateTokenRequest,
  CreateUserRequest,
  CreatedApiToken,
  UpdateUserRequest,
  UserSummary,
} from '@api-manager/contracts';
import { map, type Observable } from 'rxjs';

import { allPages } from './all-pages';

import { queryParams } from './params';

export interface AuditQuery {
  actor?: string;
  /** An action, or a prefix such as `job.*`. */
  action?: string;
  /** `type` or `type:id`. */
  target?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

/** Typed client of the settings side of the `auth` module: API tokens, users, audit log. */
@Injectable({ providedIn: 'root' })
export class SettingsApi {
  private readonly http = inject(HttpClient);

  /** The caller's tokens (an admin sees all); secrets are never listed. */
  tokens(): Observable<ApiTokenSummary[]> {
    return allPages<ApiTokenSummary>(this.http, '/api/v1/tokens').pipe(map((p) => p.items));
  }

  /** The answer carries the secret: the only time it is shown. */
  createToken(body: CreateTokenRequest): Observable<CreatedApiToken> {
    return this.http.post<CreatedApiToken>('/api/v1/tokens', body);
  }

  revokeToken(id: string): Observable<void> {
    return this.http.delete<void>(`/api/v1/tokens/${encodeURIComponent(id)}`);
  }

  users(): Observable<UserSummary[]> {
    return allPages<UserSummary>(this.http, '/api/v1/users').pipe(map((p) => p.items));
  }

  createUser(body: CreateUserRequest): Observable<UserSummary> {
    return this.http.post<UserSummary>('/api/v1/users', body);
  }

  updateUser(id: string, body: UpdateUserRequest): Observable<UserSummary> {
    return this.http.patch<UserSummary>(`/api/v1/users/${encodeURIComponent(id)}`, body);
  }

  removeUser(id: string): Observable<void> {
    return this.http.delete<void>(`/api/v1/users/${encodeURIComponent(id)}`);
  }

  audit(query: AuditQuery = {}): Observable<AuditEventList> {
    return this.http.get<AuditEventList>('/api/v1/audit', { params: queryParams(query) });
  }
}
