// Webhooks: receiver answers, the deliveries log, dry runs and sources.

/** The forges whose push webhooks are received (a trigger's `provider`, a source's `provider`). */
export const WEBHOOK_PROVIDERS = ['github', 'gitlab', 'gitea'] as const;
export type WebhookProviderName = (typeof WEBHOOK_PROVIDERS)[number];
export type WebhookOutcome = 'triggered' | 'no_match' | 'skipped' | 'deleted' | 'ignored' | 'ping';

/** What POST /api/v1/webhooks/github (and /webhook) answers. */
export interface WebhookReceiveResponse {
  status: 'ok';
  triggered_jobs: string[];
  delivery_id: string;
  /** The skip marker or reason, when the push triggered nothing on purpose. */
  skipped?: string;
  /** Why the event was not processed (non-push events). */
  ignored?: string;
  /** True when this delivery id was processed before: the first answer, nothing triggered again. */
  duplicate?: boolean;
  message?: string;
  /** Why the repository's CI file (sources with repoConfig) could not be used: none of its jobs ran. */
  repo_config_error?: string;
}

/** The CI file read from the pushed commit (webhook sources with repoConfig). */
export interface WebhookRepoConfig {
  /** `.api-manager.yaml` or `.toyci.yaml`; null when the commit has neither (or it could not be read). */
  file: string | null;
  /** The commit the file was read at (the pushed commit). */
  commit: string;
  /** Server names of the jobs it defines (`<owner>-<name>.<job>`). */
  jobs: string[];
  /** Why it could not be used (fetch, YAML or field error): none of its jobs ran. */
  error: string | null;
}

export interface WebhookFileHit {
  file: string;
  pattern: string;
}

export interface WebhookTriggerResult {
  /** Index in the job's triggers.github[]. */
  trigger: number;
  matched: boolean;
  reason: string;
  /** Up to 20 matched files with the pattern that decided. */
  matchedFiles: WebhookFileHit[];
  matchedFileCount: number;
  /** Up to 20 files excluded by a negated pattern. */
  excludedFiles: WebhookFileHit[];
}

export interface WebhookJobMatch {
  jobId: string;
  jobName: string;
  matched: boolean;
  reason: string;
  triggers: WebhookTriggerResult[];
  /** The execution created for this job (matched jobs of recorded deliveries). */
  executionId?: string | null;
  /** Why a matched job got no execution (e.g. invalid params). */
  error?: string;
}

export interface WebhookHeadCommit {
  id: string;
  message: string;
  author: string | null;
}

export interface WebhookDeliverySummary {
  id: string;
  deliveryKey: string;
  provider: WebhookProviderName;
  event: string;
  outcome: WebhookOutcome;
  repository: string | null;
  ref: string | null;
  before: string | null;
  after: string | null;
  headCommit: WebhookHeadCommit | null;
  changedFileCount: number;
  untrustedReason: string | null;
  skipReason: string | null;
  triggeredJobs: string[];
  responseCode: number;
  replayOf: string | null;
  actor: string | null;
  duplicateCount: number;
  createdAt: string;
}

export interface WebhookDeliveryExecution {
  id: string;
  jobName: string;
  status: string;
}

export interface WebhookDeliveryDetail extends WebhookDeliverySummary {
  /** Request headers, credentials masked. */
  headers: Record<string, string>;
  changedFiles: string[];
  matches: WebhookJobMatch[];
  executions: WebhookDeliveryExecution[];
  response: WebhookReceiveResponse;
  /** Later replays of this delivery. */
  replays: string[];
  /** The repository's CI file, when the source reads it (null otherwise). */
  repoConfig: WebhookRepoConfig | null;
}

export interface WebhookDeliveryPage {
  items: WebhookDeliverySummary[];
  /** Pass as `cursor` for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface WebhookDeliveryQuery {
  provider?: WebhookProviderName;
  repository?: string;
  outcome?: WebhookOutcome;
  event?: string;
  job?: string;
  since?: string;
  until?: string;
  limit?: number;
  cursor?: string;
}

export interface WebhookReplayRequest {
  /** Run even if the head commit carries a skip marker. */
  ignoreSkip?: boolean;
}

export interface WebhookReplayResponse extends WebhookReceiveResponse {
  replay_of: string;
}

export interface WebhookDryRunRequest {
  /** X-GitHub-Event value, e.g. "push". */
  event: string;
  payload: Record<string, unknown>;
  provider?: WebhookProviderName;
}

export interface WebhookDryRunResponse {
  event: string;
  outcome: WebhookOutcome;
  wouldTrigger: string[];
  skipReason: string | null;
  untrustedReason: string | null;
  repository: string | null;
  ref: string | null;
  changedFiles: string[];
  matches: WebhookJobMatch[];
}

export interface WebhookSourceView {
  id: string;
  provider: WebhookProviderName;
  repository: string | null;
  insecure: boolean;
  hasSecret: boolean;
  /** Run the jobs of `.api-manager.yaml` / `.toyci.yaml` at the pushed commit (signed sources, command jobs on). */
  repoConfig: boolean;
  description: string;
  createdAt: string;
  updatedAt: string;
}

export interface CreateWebhookSourceRequest {
  provider: WebhookProviderName;
  repository?: string | null;
  secret?: string;
  insecure?: boolean;
  repoConfig?: boolean;
  description?: string;
}

export type UpdateWebhookSourceRequest = Partial<CreateWebhookSourceRequest>;
