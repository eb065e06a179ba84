// Configuration as code: POST /api/v1/config/apply and GET /api/v1/config/export (jobs.yaml).

export type ConfigObjectKind = 'job' | 'schedule' | 'source';
export type ConfigAction = 'create' | 'update' | 'unchanged' | 'delete';

/** One object of the plan. */
export interface ConfigChange {
  kind: ConfigObjectKind;
  /** `job-name`, `job-name/schedule-name`, or `provider:owner/name` (`provider:*` for provider-wide). */
  name: string;
  action: ConfigAction;
  /** Top-level fields that differ (update only). Secret fields are named, never shown. */
  fields?: string[];
  /** Where the object is in the file (`jobs[2].schedules[0]`); absent for deletions. */
  path?: string;
}

export interface ConfigApplyResponse {
  dryRun: boolean;
  prune: boolean;
  /** True when something was written (false for a dry run or when everything was unchanged). */
  applied: boolean;
  summary: Record<ConfigAction, number>;
  changes: ConfigChange[];
}
