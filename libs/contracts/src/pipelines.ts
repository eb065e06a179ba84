// Pipelines: fan-in (`needs`) and pipeline runs (issue #21).
import type { ExecutionStatus } from './statuses.js';

/** What a fan-in does when a needed job fails, or has not succeeded when the deadline passes. */
export const NEEDS_ON_FAILURE = ['skip', 'fail', 'run'] as const;
export type NeedsOnFailure = (typeof NEEDS_ON_FAILURE)[number];

/**
 * A job's fan-in: it runs once per value of `key` when every job in `jobs` has succeeded for that value.
 * The run's params are the key params (plus `params`, templates over `needs.<job>.params|response|status`).
 */
export interface JobNeeds {
  /** Jobs whose runs this one waits for (1–20 names, no repeats, not itself). */
  jobs: string[];
  /** Param names that correlate the runs (e.g. device_id, date): declared on this job and every needed job. */
  key: string[];
  /** Default skip: a needed job fails (or is missing at the deadline) → skip | fail | run (with the missing marked). */
  onFailure?: NeedsOnFailure;
  /** How long after the first arrival to wait for the others: `90s`, `30m`, `2h`, `1d` (default 24h). */
  deadline?: string;
  /** Extra params for the run; strings are templates over `needs.<job>.*` (e.g. `{{ needs['a'].response.json.x }}`). */
  params?: Record<string, unknown>;
}

export const PIPELINE_RUN_STATUSES = ['running', 'succeeded', 'failed', 'partial', 'cancelled'] as const;
export type PipelineRunStatus = (typeof PIPELINE_RUN_STATUSES)[number];

export interface PipelineRunCounts {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  skipped: number;
  /** Fan-ins still waiting for needed runs. */
  waiting: number;
}

export interface PipelineRunSummary {
  id: string;
  rootExecutionId: string;
  rootJobName: string;
  /** The trigger of the root execution (schedule, manual, api, webhook…). */
  trigger: string;
  status: PipelineRunStatus;
  startedAt: string;
  finishedAt: string | null;
  counts: PipelineRunCounts;
}

export interface PipelineRunPage {
  items: PipelineRunSummary[];
  nextCursor: string | null;
}

export interface PipelineNode {
  /** Execution id, or `waiting:<slot id>` for a fan-in that has not run yet. */
  id: string;
  executionId: string | null;
  jobName: string;
  status: ExecutionStatus | 'waiting';
  /** The correlation values (e.g. device_id=d-1, date=2026-12-01) or null for nodes shared by every key. */
  group: string | null;
  /** Layer from the left (0 = root), by the longest dependency path. */
  layer: number;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}

export interface PipelineEdge {
  from: string;
  to: string;
  kind: 'chain' | 'fanout' | 'needs';
}

export interface PipelineRunDetail extends PipelineRunSummary {
  /** The fan-in key param names seen in this run (used to group nodes). */
  groupBy: string[];
  nodes: PipelineNode[];
  edges: PipelineEdge[];
}

export interface PipelineRunListQuery {
  cursor?: string;
  limit?: number;
  /** Runs that contain an execution of this job (name). */
  job?: string;
  status?: PipelineRunStatus;
}
