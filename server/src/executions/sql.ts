import { Execution } from './execution.entity.js';

/** A raw `executions` row (snake_case) as an Execution entity. */
const date = (v: unknown): Date | null => (v == null ? null : v instanceof Date ? v : new Date(v as string));

export function toExecution(r: Record<string, any>): Execution {
  const e = new Execution();
  e.id = r.id;
  e.jobId = r.job_id;
  e.jobName = r.job_name;
  e.trigger = r.trigger;
  e.triggerRef = r.trigger_ref ?? null;
  e.actor = r.actor ?? null;
  e.scheduleId = r.schedule_id ?? null;
  e.scheduledFor = date(r.scheduled_for);
  e.deliveryId = r.delivery_id ?? null;
  e.parentId = r.parent_id ?? null;
  e.retryOf = r.retry_of ?? null;
  e.idempotencyKey = r.idempotency_key ?? null;
  e.params = r.params ?? {};
  e.status = r.status;
  e.attempt = r.attempt;
  e.maxAttempts = r.max_attempts;
  e.runAt = date(r.run_at)!;
  e.createdAt = date(r.created_at)!;
  e.startedAt = date(r.started_at);
  e.finishedAt = date(r.finished_at);
  e.durationMs = r.duration_ms ?? null;
  e.leaseOwner = r.lease_owner ?? null;
  e.leaseUntil = date(r.lease_until);
  e.cancelRequested = r.cancel_requested ?? false;
  e.request = r.request ?? null;
  e.response = r.response ?? null;
  e.error = r.error ?? null;
  e.attempts = r.attempts ?? [];
  e.childrenTotal = r.children_total ?? 0;
  e.childrenDone = r.children_done ?? 0;
  e.childrenFailed = r.children_failed ?? 0;
  e.childrenCancelled = r.children_cancelled ?? 0;
  e.push = r.push ?? null;
  e.pipelineRunId = r.pipeline_run_id ?? null;
  return e;
}

// The pool accessor lives in database/pg-pool.ts; re-exported for code that imports it from here.
export { poolOf } from '../database/pg-pool.js';
