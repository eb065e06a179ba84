import type { FanOutSource } from './fanout.js';
import type { PageQuery } from './limits.js';
import type { JobNeeds } from './pipelines.js';
import type { JobNotification } from './notifications.js';
import type { WebhookProviderName } from './webhooks.js';
// Job definitions: the JSON shape of DESIGN.md ("A job, as JSON"), the same in jobs.yaml.

/** A secret value as written by a client: `{secret: true, value: '...'}`; without `value` on PATCH = keep the stored one. */
export interface SecretInput {
  secret: true;
  value?: string;
}

/** A secret as the API returns it: never the value, only whether one is stored. */
export interface MaskedSecret {
  secret: true;
  set: boolean;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** JSON value (bodies, param values, chain mappings). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Which response statuses count as success: a status (`304`), a class (`"2xx"`) or a range (`"200-299"`).
 * Default `["2xx"]`.
 */
export type SuccessStatus = number | string;

export interface HttpExecutorDefinition<H = string | SecretInput> {
  kind: 'http';
  /** Default GET. */
  method?: HttpMethod;
  /**
   * Absolute http(s) URL. Templates may fill the path only: scheme, host and port are static
   * (checked at save time and again after rendering).
   */
  url: string;
  /** Query parameters appended to the URL; values are templates. A value rendering to '' is left out. */
  query?: Record<string, string | string[]>;
  /** Header values are templates, or secrets (stored encrypted, sent as is, never templated). */
  headers?: Record<string, H>;
  /** JSON value (strings inside are templates; sent as application/json) or a text template. */
  body?: JsonValue;
  /** Default 30000. */
  timeoutMs?: number;
  /** Default ["2xx"]. */
  successStatuses?: SuccessStatus[];
  /** Response bytes kept; the rest is cut and the cut recorded. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Default false. */
  followRedirects?: boolean;
}

/** Where a command job's workspace comes from: a clone of a git repository. */
export interface CommandCheckout<S = SecretInput> {
  /**
   * Clone URL (https://…, ssh://…, git@host:path or a path on the server). Default: the repository of
   * the triggering push (its clone URL from the webhook payload; http(s)/ssh/git only).
   */
  url?: string | null;
  /** Branch, tag or commit for runs without a push (manual, schedule); a template. Default: the remote's HEAD. */
  ref?: string | null;
  /** Token for http(s) remotes, given to git as an Authorization header (never put in the URL). */
  token?: S | null;
  /** User name paired with the token (Basic auth). Default `x-access-token`. */
  tokenUser?: string;
  /** Commits fetched (shallow clone); 0 = full history. Default 50. */
  depth?: number;
}

/** Commit what the script changed and push it to the branch, with a `[skip ci]` message. */
export interface CommandCommitBack {
  /** Default `API Manager`. */
  authorName?: string;
  /** Default `api-manager@localhost`. */
  authorEmail?: string;
}

/** A shell script run on the server (only when COMMAND_JOBS_ENABLED=true). */
export interface CommandExecutorDefinition<S = string | SecretInput> {
  kind: 'command';
  /** The script (multi-line), run as a file by `shell`. Not a template: use env or `$CI_*`/param variables. */
  script: string;
  /** Interpreter and its flags, split at spaces. Default `/bin/sh -e`. */
  shell?: string;
  /** Extra environment; values are templates (params, push, execution, dates) or secrets. */
  env?: Record<string, S>;
  /** Default 600000 (10 min). SIGTERM to the process group, SIGKILL after COMMAND_KILL_GRACE_MS. */
  timeoutMs?: number;
  /** Relative to the workspace (or absolute). Default the workspace. */
  workingDirectory?: string | null;
  checkout?: CommandCheckout<SecretInput> | null;
  /** Needs `checkout` and a branch. */
  commitBack?: CommandCommitBack | null;
}

export type ExecutorKind = 'http' | 'command';

export type ExecutorDefinition<H = string | SecretInput> = HttpExecutorDefinition<H> | CommandExecutorDefinition<H>;

/** A command executor as the API returns it: defaults filled in, secrets masked. */
export interface CommandExecutorView {
  kind: 'command';
  script: string;
  shell: string;
  env: Record<string, string | MaskedSecret>;
  timeoutMs: number;
  workingDirectory: string | null;
  checkout: (Required<Omit<CommandCheckout<MaskedSecret>, 'token'>> & { token: MaskedSecret | null }) | null;
  commitBack: Required<CommandCommitBack> | null;
}

/** GET /api/v1/capabilities: what this server allows. */
export interface Capabilities {
  /** Jobs of kind `command` may be created and run (COMMAND_JOBS_ENABLED=true). */
  commandJobs: boolean;
}

export type ParamType = 'string' | 'number' | 'boolean' | 'date' | 'datetime' | 'enum' | 'string[]' | 'daterange';

export interface ParamDefinition<S = SecretInput> {
  /** Identifier used as `params.<name>` in templates: ^[A-Za-z_][A-Za-z0-9_]{0,63}$ */
  name: string;
  type: ParamType;
  /** Human label for forms. */
  title?: string;
  description?: string;
  required?: boolean;
  /**
   * Used when the caller gives no value. A string is a template (e.g. `{{ 'today' | in_zone: 'Asia/Tokyo' }}`);
   * other values are taken as they are. For `secret` params: a SecretInput (stored encrypted).
   */
  default?: JsonValue | S;
  /** Regular expression every string value (each item of a string[]) must match. */
  pattern?: string;
  /** Allowed values for `enum`. */
  enum?: string[];
  /**
   * For `string[]` and `daterange`: run one child execution per item. Several fan-out params make a
   * matrix (one child per combination, FANOUT_MAX in all).
   */
  fanOut?: boolean;
  /** Fan-out `string[]` params only: fetch the items over HTTP when the run starts (see FanOutSource). */
  source?: FanOutSource<S>;
  /** `daterange` only: days between dates (default 1). */
  step?: number;
  /** The value is masked in snapshots, logs and API responses; a default is stored encrypted. */
  secret?: boolean;
}

export interface RetryPolicy {
  /** Total attempts including the first. Default 1 (no retry). */
  maxAttempts?: number;
  /** Default exponential. */
  backoff?: 'fixed' | 'exponential';
  /** Default 1000. */
  initialDelayMs?: number;
  /** Cap of one delay. Default 60000. */
  maxDelayMs?: number;
  /** Randomize delays (full jitter). Default true. */
  jitter?: boolean;
}

export interface ConcurrencyPolicy {
  /** Running executions of this job at once; null/absent = unlimited (or 1 when overlap is queue/skip). */
  max?: number | null;
  /** What a new execution does when `max` are running. Default allow (queue when max is set). */
  overlap?: 'queue' | 'skip' | 'allow';
  /** Children of one fan-out running at once. Default 4. */
  fanOutParallelism?: number;
}

export interface ChainStep {
  /** Name of the job to run. Must exist when saving; chains may not form cycles. */
  job: string;
  /** Params for that job; strings are templates over `parent.params.*` and `parent.response.json.*`. */
  params?: Record<string, JsonValue>;
}

export interface GithubTrigger {
  /** The forge the deliveries come from: github (default), gitlab or gitea. */
  provider?: WebhookProviderName;
  /** owner/name */
  repository: string;
  /**
   * GitHub filter patterns (see README "Webhooks reference"); the last matching pattern decides.
   * A trigger with branch filters only never runs for tag pushes, and vice versa; with neither it
   * runs for both. `branches` and `branchesIgnore` exclude each other, as do `tags` and `tagsIgnore`.
   */
  branches?: string[];
  /** Branches that do NOT trigger (GitHub's `branches-ignore`). */
  branchesIgnore?: string[];
  /** Tag name patterns (GitHub's `tags`). */
  tags?: string[];
  /** Tags that do NOT trigger (GitHub's `tags-ignore`). */
  tagsIgnore?: string[];
  /** GitHub filter patterns on changed paths (GitHub's `paths`); `!` excludes. Empty/absent = any change. Not evaluated for tag pushes. */
  watchFiles?: string[];
  /** Param mapping for the run; strings are templates over `push.*`. */
  params?: Record<string, JsonValue>;
}

export interface JobTriggers {
  github?: GithubTrigger[];
}

/** The definition a client writes (POST /jobs, jobs.yaml). */
export interface JobDefinition {
  /** Unique slug ^[a-z0-9][a-z0-9._-]{0,99}$ */
  name: string;
  title?: string;
  group?: string | null;
  description?: string;
  /** Default true. Disabled jobs are not run by any trigger. */
  enabled?: boolean;
  executor: ExecutorDefinition;
  params?: ParamDefinition[];
  retry?: RetryPolicy;
  concurrency?: ConcurrencyPolicy;
  onSuccess?: ChainStep[];
  onFailure?: ChainStep[];
  /** Fan-in: run once per key when every needed job has succeeded for it (see pipelines.ts). */
  needs?: JobNeeds | null;
  triggers?: JobTriggers;
  /** Who hears about this job's outcomes (channels by name). */
  notifications?: JobNotification[];
  /** IANA zone for date helpers; default DEFAULT_TIMEZONE. */
  timezone?: string | null;
}

export type CreateJobRequest = JobDefinition;

/** PATCH: top-level fields given replace the stored ones. `version` (optional) must match the stored one (409 otherwise). */
export interface UpdateJobRequest extends Partial<JobDefinition> {
  version?: number;
}

export type HttpExecutorView = Required<Omit<HttpExecutorDefinition<string | MaskedSecret>, 'body'>> & {
  body?: JsonValue;
};

/** A job as the API returns it: defaults filled in, secrets masked. */
export interface JobView {
  id: string;
  name: string;
  title: string;
  group: string | null;
  description: string;
  enabled: boolean;
  executor: HttpExecutorView | CommandExecutorView;
  params: ParamDefinition<MaskedSecret>[];
  retry: Required<RetryPolicy>;
  concurrency: Required<ConcurrencyPolicy>;
  onSuccess: ChainStep[];
  onFailure: ChainStep[];
  needs: JobNeeds | null;
  triggers: JobTriggers;
  notifications: JobNotification[];
  timezone: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface JobListQuery extends PageQuery {
  group?: string;
  enabled?: boolean;
  /** Matches name, title or description (case-insensitive substring). */
  q?: string;
}

export interface JobListResponse {
  items: JobView[];
  /** Jobs matching the filters (all pages). */
  total: number;
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** POST /jobs/:idOrName/render */
export interface RenderRequest {
  params?: Record<string, JsonValue>;
  /** Render as if it were this instant (ISO 8601); default now. */
  now?: string;
  /** Render as if the run were made for this push (`push.*`; keys from TEMPLATE_PUSH_FIELDS); default none. */
  push?: Record<string, JsonValue>;
}

/** POST /jobs/:idOrName/resolve: the params a run would get, for any executor kind (sends nothing). */
export interface ResolveParamsResponse {
  /** Defaults applied and templates rendered, coerced; secret ones are '***'. */
  params: Record<string, JsonValue>;
  /** The zone templates and dates were read in (the job's, else the server's). */
  timezone: string;
  /** The instant the templates saw as now (ISO 8601). */
  now: string;
  /** A fan-out job: the items (one child run each). */
  fanOut?: { param: string; items: string[] };
}

export interface RenderedHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RenderResponse {
  /** Resolved params (defaults applied, coerced); secret ones are '***'. */
  params: Record<string, JsonValue>;
  /** The request exactly as it would be sent, secrets replaced by '***'. */
  request: RenderedHttpRequest;
  timeoutMs: number;
  followRedirects: boolean;
  maxResponseBytes: number;
  successStatuses: SuccessStatus[];
  /** Name of the fan-out param when the job has one: one request per item would be sent. */
  fanOut?: { param: string; items: string[] };
}

/** What a template sees as `push.*` (runs made for a push, and their fan-out children and chain steps). */
export const TEMPLATE_PUSH_FIELDS = [
  'provider',
  'repository',
  'ref',
  'branch',
  'tag',
  'before',
  'after',
  'created',
  'forced',
  'headCommit',
  'pusher',
  'compareUrl',
  'changedFiles',
  'deliveryId',
] as const;

/** What a chain step's templates see as `parent.*`. */
export const TEMPLATE_PARENT_FIELDS = ['id', 'status', 'error', 'params', 'response'] as const;

/** What request templates see as `execution.*`. */
export const TEMPLATE_EXECUTION_FIELDS = ['id', 'attempt'] as const;

/** Plain date/time names every template sees. */
export const TEMPLATE_TIME_NAMES = ['timezone', 'now', 'today', 'yesterday', 'tomorrow'] as const;
