// Configuration as code: POST /api/v1/config/apply and GET /api/v1/config/export (jobs.yaml).

import type { CreateJobRequest } from './jobs.js';
import type { CreateScheduleRequest } from './schedules.js';
import type { CreateWebhookSourceRequest } from './webhooks.js';

/** A schedule inside a job of jobs.yaml: the job is implied. Identified by `name` within the job. */
export type ConfigScheduleEntry = Omit<CreateScheduleRequest, 'job'>;

/** A job of jobs.yaml: the job JSON shape plus its schedules. Identified by `name`. */
export interface ConfigJobEntry extends CreateJobRequest {
  schedules?: ConfigScheduleEntry[];
}

/** A webhook source of jobs.yaml, identified by provider + repository. `secret` is usually `${ENV_NAME}`. */
export type ConfigSourceEntry = CreateWebhookSourceRequest;

/** The whole jobs.yaml document. */
export interface ConfigFile {
  version?: 1;
  jobs?: ConfigJobEntry[];
  sources?: ConfigSourceEntry[];
}

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
