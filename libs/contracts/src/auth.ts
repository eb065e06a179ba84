// Authentication, users, API tokens and the audit log.

export type UserRole = 'viewer' | 'operator' | 'admin';
export type TokenScope = 'read' | 'run' | 'write' | 'admin';

export interface LoginRequest {
  username: string;
  password: string;
}

export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
  role: UserRole;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Answer of POST /api/v1/auth/login. The session itself travels in the HttpOnly `apm_session` cookie. */
export interface LoginResponse {
  user: UserSummary;
  /** Send it back as the `X-CSRF-Token` header on every state-changing request (also in the `apm_csrf` cookie). */
  csrfToken: string;
  expiresAt: string;
}

/** GET /api/v1/auth/me */
export interface MeResponse {
  kind: 'user' | 'token';
  user: UserSummary;
  /** Token scopes when authenticated with an API token. */
  scopes?: TokenScope[];
  /** CSRF token of the current session (cookie authentication only). */
  csrfToken?: string;
}

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export interface CreateUserRequest {
  username: string;
  password: string;
  role: UserRole;
  displayName?: string;
}

export interface UpdateUserRequest {
  password?: string;
  role?: UserRole;
  displayName?: string;
  disabled?: boolean;
}

export interface ApiTokenSummary {
  id: string;
  name: string;
  /** First characters of the token, e.g. `amk_AbCd`. */
  prefix: string;
  scopes: TokenScope[];
  userId: string;
  username: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface CreateTokenRequest {
  name: string;
  scopes: TokenScope[];
  /** ISO 8601, in the future. */
  expiresAt?: string;
}

/** Answer of POST /api/v1/tokens: the only time the secret is shown. */
export interface CreatedApiToken extends ApiTokenSummary {
  token: string;
}

export interface AuditEventItem {
  id: string;
  at: string;
  actor: { kind: string; id: string | null; name: string | null };
  action: string;
  targetType: string | null;
  /** Kept for links and filters (`target=type:id`). */
  targetId: string | null;
  /** What to show: a user's or token's current name, else the target's name when the event happened. */
  targetName: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  meta: Record<string, unknown>;
}

export interface AuditEventList {
  items: AuditEventItem[];
  /** Opaque cursor for the next (older) page; null at the end. */
  nextCursor: string | null;
}
