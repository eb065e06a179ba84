import type { ExecutionNotification } from './notifications.js';
// Executions: runs of jobs (the queue and its history).

import type { ExecutionStatus } from './statuses.js';

export type ExecutionTrigger = 'manual' | 'api' | 'schedule' | 'webhook' | 'chain' | 'retry' | 'fanout';

/** One finished attempt of an execution. */
export interface ExecutionAttempt {
  attempt: number;
  startedAt: string | null;
  finishedAt: string;
  status: string;
  error: string | null;
  httpStatus: number | null;
}

/** Response snapshot: body capped at the job's maxResponseBytes, secrets masked. */
export interface ExecutionResponseSnapshot {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  bytes: number;
  truncated: boolean;
}

/** The request as sent, secrets masked. */
export interface ExecutionRequestSnapshot {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** What a `command` execution ran (stored in `request`), secrets masked. */
export interface CommandRequestSnapshot {
  kind: 'command';
  shell: string;
  script: string;
  timeoutMs: number;
  workingDirectory: string | null;
  /** Rendered variables; secret ones are '***'. */
  env: Record<string, string>;
  /** The clone: URL without credentials, ref asked for, branch and commit checked out. */
  checkout: { url: string; ref: string | null; branch: string | null; commit: string } | null;
  commitBack: boolean;
}

/** How a `command` execution ended (stored in `response`). */
export interface CommandResponseSnapshot {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Output kept in the logs, and whether the cap (COMMAND_LOG_MAX_*) cut it. */
  logLines: number;
  logBytes: number;
  truncated: boolean;
  droppedLines?: number;
  droppedBytes?: number;
  commit?: { changed: boolean; sha?: string; branch?: string; pushed?: boolean };
}

export interface ExecutionSummary {
  id: string;
  jobId: string;
  jobName: string;
  trigger: ExecutionTrigger;
  /** What started it, as an id for links: `user:<id>`, `token:<id>`, a schedule, delivery or execution id. */
  triggerRef: string | null;
  /**
   * The same, by name for people: the user's or token's current name ("alice", "alice/ci"), the
   * schedule's name; null when there is only an id to show (chain, retry, fan-out: link triggerRef).
   */
  triggerName: string | null;
  actor: string | null;
  status: ExecutionStatus;
  attempt: number;
  maxAttempts: number;
  params: Record<string, unknown>;
  parentId: string | null;
  retryOf: string | null;
  scheduleId: string | null;
  scheduledFor: string | null;
  deliveryId: string | null;
  idempotencyKey: string | null;
  runAt: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  error: string | null;
  httpStatus: number | null;
  /** Fan-out parents: children in all, finished, failed (timed out, lost…), cancelled (not counted as failed). */
  progress: { total: number; done: number; failed: number; cancelled: number } | null;
  /** Fan-out children in GET /executions: the job's fan-out param and this child's item (`***` when secret). */
  fanOutItem?: { param: string; value: string } | null;
}

export interface ExecutionLogLine {
  /** The line's id: increasing; `log` events on the stream carry the same ids. */
  id?: string;
  at: string;
  level: string;
  message: string;
}

export interface ExecutionDetail extends ExecutionSummary {
  /** HTTP jobs: ExecutionRequestSnapshot; command jobs: CommandRequestSnapshot (`kind: 'command'`). */
  request: ExecutionRequestSnapshot | CommandRequestSnapshot | null;
  response: ExecutionResponseSnapshot | CommandResponseSnapshot | null;
  attempts: ExecutionAttempt[];
  logs: ExecutionLogLine[];
  children: ExecutionSummary[];
  parent: ExecutionSummary | null;
  /** The pipeline run (chains and fan-ins started by one trigger) this execution belongs to, if any. */
  pipelineRunId?: string | null;
  /** Notifications recorded for this execution (channels of the job's `notifications`). */
  notifications?: ExecutionNotification[];
}

export interface ExecutionList {
  items: ExecutionSummary[];
  /** Opaque cursor for the next (older) page; null at the end. */
  nextCursor: string | null;
}

export interface RunJobRequest {
  params?: Record<string, unknown>;
  idempotencyKey?: string;
}

export interface RunJobResponse {
  execution: ExecutionSummary;
}

export interface JobRunCounts {
  succeeded: number;
  failed: number;
}

export interface JobStatus {
  job: string;
  enabled: boolean;
  nextRun: string | null;
  lastRun: ExecutionSummary | null;
  lastStatus: ExecutionStatus | null;
  running: number;
  queued: number;
  /** Runs: top-level executions (a fan-out counts once, with its parent's final status). */
  last24h: JobRunCounts;
  last7d: JobRunCounts;
  /** Of succeeded runs in the last 7 days (a fan-out: its parent's duration, first child start to last child end). */
  durationMs: { p50: number | null; p95: number | null };
  /** Fan-out children, counted apart from runs. */
  fanOutChildren: { last24h: JobRunCounts; last7d: JobRunCounts };
  /** How the numbers above are counted, in words. */
  counting: string;
}

/**
 * GET /api/v1/jobs/-/status?names=a,b,c: the status of several jobs in one call (the dashboard's
 * cards), each exactly what GET /api/v1/jobs/:idOrName/status answers. At most this many per call.
 */
export const JOB_STATUS_BATCH_MAX = 100;

export interface JobStatusBatch {
  /** One per distinct requested job, in the order asked. */
  items: JobStatus[];
}

/** Payload of the SSE `execution` event. */
export interface ExecutionEvent {
  id: string;
  status: ExecutionStatus;
  jobName: string;
  parentId?: string | null;
}
