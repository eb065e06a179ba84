import type { UserRole, UserSummary } from '@api-manager/contracts';

/** The columns of `users` that may leave the server (never password_hash). */
export const USER_COLUMNS = 'id, username, display_name, role, disabled, last_login_at, created_at, updated_at';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: UserRole;
  disabled: boolean;
  last_login_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toUserSummary(r: UserRow): UserSummary {
  return {
    id: r.id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    disabled: r.disabled,
    lastLoginAt: r.last_login_at ? r.last_login_at.toISOString() : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}
