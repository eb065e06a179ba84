/**
 * The ONE list of execution statuses (the `executions_status_check` constraint holds the same nine),
 * and every named subset the server and the admin use. Types are derived from the lists, so a status
 * added here is a compile error wherever a switch or a record does not handle it.
 */
export const EXECUTION_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
  'partial',
  'lost',
] as const;

export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

/** Waiting or running: the run is not over (a worker may still change it). */
export const ACTIVE_STATUSES = ['queued', 'running'] as const satisfies readonly ExecutionStatus[];
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

/** Over: nothing changes the row any more (every status that is not active). */
export const FINAL_STATUSES = [
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
  'skipped',
  'partial',
  'lost',
] as const satisfies readonly ExecutionStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];

/**
 * A run that went wrong: what notifications announce as a failure, what `onFailure` chains fire on and
 * what the job status counts as failed. A cancelled or skipped run is NOT a failure (somebody chose it).
 */
export const FAILURE_STATUSES = [
  'failed',
  'timed_out',
  'lost',
  'partial',
] as const satisfies readonly ExecutionStatus[];
export type FailureStatus = (typeof FAILURE_STATUSES)[number];

/** Final statuses a notification is sent for: success, or a failure (not cancelled, not skipped). */
export const NOTIFIED_STATUSES = ['succeeded', ...FAILURE_STATUSES] as const satisfies readonly ExecutionStatus[];

/**
 * The admin dashboard's "failed" count and red marker: failures the run itself produced. It leaves
 * out `partial` (a fan-out with some failed items is shown apart), unlike FAILURE_STATUSES.
 */
export const DASHBOARD_FAILED_STATUSES = ['failed', 'timed_out', 'lost'] as const satisfies readonly ExecutionStatus[];

export function isExecutionStatus(s: unknown): s is ExecutionStatus {
  return typeof s === 'string' && (EXECUTION_STATUSES as readonly string[]).includes(s);
}

/** Whether `status` is one of `set` (a typed `includes` over the readonly tuples above). */
export function statusIn(status: string | null | undefined, set: readonly ExecutionStatus[]): boolean {
  return status != null && (set as readonly string[]).includes(status);
}

/** A set as an SQL list literal, e.g. `('queued','running')`: for statements that name statuses. */
export function sqlStatusList(set: readonly ExecutionStatus[]): string {
  return `(${set.map((s) => `'${s}'`).join(',')})`;
}
