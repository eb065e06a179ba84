/** What templates (defaults, request fields, chain/webhook mappings) can see. */
export interface TemplateContext {
  params?: Record<string, unknown>;
  /** Chain steps: the execution that finished (its id, final status, error or null, params, response). */
  parent?: {
    id?: string;
    status?: string;
    error?: string | null;
    params: Record<string, unknown>;
    response?: { status?: number; json?: unknown; body?: string };
  };
  /** Fan-in params: the needed runs by job name (`status`, `params`, `response`, `executionId`; pipelines/). */
  needs?: Record<string, unknown>;
  execution?: { id: string; attempt: number };
  push?: Record<string, unknown>;
  /** IANA zone for date helpers; default job.timezone, then DEFAULT_TIMEZONE. */
  timezone?: string;
  /** The instant "now"/"today" refer to; default the current time. */
  now?: Date;
}
