import type { Job } from '../jobs/job.entity.js';
import type { TemplateContext } from '../jobs/templating/template-context.js';
import type { ExecutionTriggerValue } from './execution.entity.js';

/** What every trigger (REST, UI, schedules, webhooks, chains, retries) hands to `ExecutionsService.enqueue`. */
export interface EnqueueInput {
  job: Job;
  trigger: ExecutionTriggerValue;
  /** Schedule id, delivery id, parent execution id, user/token name… */
  triggerRef?: string | null;
  actor?: string | null;
  /** Raw parameters; resolved (defaults, types, templates) by ParamsResolver here. */
  params: Record<string, unknown>;
  /**
   * Params that are secret for this run beyond the job's secret params (a chain step's values rendered from
   * the parent's secrets). Values given sealed (`enc:v1:`, `{secret: true, value}`) are secret too.
   */
  secretParams?: readonly string[];
  /** Template context for parameter defaults (time zone, now, …). */
  context?: TemplateContext;
  /** Schedule slot: (scheduleId, scheduledFor) is unique; a second insert of the same slot returns null. */
  scheduleId?: string;
  scheduledFor?: Date;
  deliveryId?: string;
  /** Fan-out parent or chain parent. */
  parentId?: string;
  /** The execution this one retries (POST /executions/:id/retry). */
  retryOf?: string;
  /** Not before (default now). */
  runAt?: Date;
  /**
   * The push the run is made for (stored with the execution: templates read it as `push.*`). Default
   * `context.push` (webhook runs); chain steps pass their parent's; fan-out children copy their parent's.
   */
  push?: Record<string, unknown> | null;
  /** The pipeline run the new execution belongs to (chain steps and fan-ins of a pipeline; pipelines/). */
  pipelineRunId?: string | null;
  /** Same key on the same job -> the same execution. */
  idempotencyKey?: string;
}
