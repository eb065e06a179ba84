import { Injectable } from '@nestjs/common';
import type { Job } from '../jobs/job.entity.js';
import type { Execution } from './execution.entity.js';
import type { ParentResponse } from './finalizer.service.js';

/**
 * What other modules do when an execution reaches a final status, without executions importing them
 * (pipelines/ registers: fan-in arrivals and pipeline runs).
 */
export interface FinalHook {
  /** The pipeline run a finished execution's chain steps belong to (created when needed), or null. */
  pipelineRunFor(exec: Execution): Promise<string | null>;
  /** After fan-out progress and chains. `params` are the run's resolved (plain) params. */
  afterFinal(
    exec: Execution,
    job: Job | null,
    params: Record<string, unknown>,
    response?: ParentResponse,
  ): Promise<void>;
}

@Injectable()
export class FinalHooks {
  private hook: FinalHook | null = null;

  register(hook: FinalHook): void {
    this.hook = hook;
  }

  async pipelineRunFor(exec: Execution): Promise<string | null> {
    return this.hook ? this.hook.pipelineRunFor(exec) : exec.pipelineRunId;
  }

  async afterFinal(
    exec: Execution,
    job: Job | null,
    params: Record<string, unknown>,
    response?: ParentResponse,
  ): Promise<void> {
    await this.hook?.afterFinal(exec, job, params, response);
  }
}
