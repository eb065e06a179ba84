import type { UserRole } from '@api-manager/contracts';

/** Roles in increasing order of power, as the server's guard ranks them. */
export const ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin'];

/**
 * What the UI offers, and the least role the server requires for it (server/src/auth: GET needs
 * viewer; other methods operator unless `@Access` says otherwise). Buttons for actions the role
 * cannot perform are not rendered at all.
 */
export const PERMISSIONS = {
  'jobs.edit': 'operator',
  'jobs.run': 'operator',
  'executions.cancel': 'operator',
  'executions.retry': 'operator',
  'schedules.edit': 'operator',
  'schedules.pause': 'operator',
  'webhooks.replay': 'operator',
  'webhooks.dryRun': 'operator',
  'webhooks.sources': 'admin',
  'tokens.manage': 'viewer',
  'users.manage': 'admin',
  'audit.read': 'admin',
  'notifications.manage': 'admin',
} as const satisfies Record<string, UserRole>;

export type Permission = keyof typeof PERMISSIONS;

export function roleAtLeast(role: UserRole | null | undefined, required: UserRole): boolean {
  return !!role && ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Whether `role` may do `permission` (false when signed out). */
export function roleCan(role: UserRole | null | undefined, permission: Permission): boolean {
  return roleAtLeast(role, PERMISSIONS[permission]);
}
