import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Job } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import type { Execution } from './execution.entity.js';
import { ExecutionsService } from './executions.service.js';
import { ProgressService } from './progress.service.js';
import { poolOf } from './sql.js';

export interface ParentResponse {
  status?: number;
  json?: unknown;
  body?: string;
}

const CHAIN_ON_FAILURE = ['failed', 'timed_out', 'lost', 'partial'];

/** What happens after an execution reaches a final status: fan-out progress, then chains. */
@Injectable()
export class FinalizerService {
  private readonly logger = new Logger(FinalizerService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly executions: ExecutionsService,
    private readonly progress: ProgressService,
    private readonly jobs: JobsService,
    private readonly params: ParamsResolver,
  ) {}

  async afterFinal(exec: Execution, job: Job | null, params: Record<string, unknown>, response?: ParentResponse) {
    const result = exec.status === 'succeeded' ? 'succeeded' : exec.status === 'cancelled' ? 'cancelled' : 'failed';
    try {
      await this.progress.childFinished(exec, result);
    } catch (err) {
      this.logger.error(`Fan-out progress of ${exec.id} failed: ${(err as Error).message}`);
    }
    // Each fan-out child chains on its own (its params hold one item); the parent does not chain.
    await this.chain(exec, job, params, response);
  }

  private async chain(exec: Execution, job: Job | null, params: Record<string, unknown>, response?: ParentResponse) {
    const steps =
      exec.status === 'succeeded' ? 'onSuccess' : CHAIN_ON_FAILURE.includes(exec.status) ? 'onFailure' : null;
    if (!steps) return;
    let def = job;
    if (!def) {
      try {
        def = await this.jobs.get(exec.jobId);
      } catch {
        return;
      }
    }
    for (const step of (def[steps] ?? []) as { job: string; params?: Record<string, unknown> }[]) {
      let target: Job;
      try {
        target = await this.jobs.get(step.job);
      } catch (err) {
        // No such job any more: there is no job to record a run of, so only the log says so.
        await this.log(exec.id, 'error', `${steps}: could not queue ${step.job}: ${reasonOf(err)}`);
        continue;
      }
      const run = {
        job: target,
        trigger: 'chain' as const,
        triggerRef: exec.id,
        parentId: exec.id,
        actor: exec.actor,
        push: exec.push,
      };
      let mapped: Record<string, unknown> = {};
      try {
        mapped = await this.params.renderMapping(step.params ?? {}, {
          parent: { id: exec.id, status: exec.status, error: exec.error, params, response: response ?? {} },
          ...(exec.push ? { push: exec.push } : {}),
          timezone: target.timezone ?? undefined,
        });
        const child = await this.executions.enqueue({ ...run, params: mapped });
        await this.log(
          exec.id,
          'info',
          `${steps}: queued ${target.name} (${child?.id ?? 'not queued'}, ${child?.status ?? '-'})`,
        );
      } catch (err) {
        // Bad params (or a disabled job): a failed child run with the reason, visible under the parent.
        const reason = `${steps} step ${target.name} could not be queued: ${reasonOf(err)}`;
        try {
          const failed = await this.executions.recordFailed(
            { ...run, params: mapped },
            this.params.maskParams(target, mapped),
            reason,
          );
          await this.log(exec.id, 'error', `${reason} (recorded as failed execution ${failed.id})`);
        } catch (recordErr) {
          await this.log(exec.id, 'error', `${reason}; recording it failed: ${(recordErr as Error).message}`);
        }
      }
    }
  }

  private async log(executionId: string, level: string, message: string): Promise<void> {
    await poolOf(this.dataSource)
      .query('INSERT INTO execution_logs (execution_id, level, message) VALUES ($1, $2, $3)', [
        executionId,
        level,
        message,
      ])
      .catch(() => undefined);
  }
}

/** An exception's message; an HttpException's validation messages joined. */
function reasonOf(err: unknown): string {
  const e = err as Error & { getResponse?: () => unknown };
  const body = e.getResponse?.() as { message?: unknown } | string | undefined;
  const msg = typeof body === 'object' && body ? body.message : body;
  if (Array.isArray(msg)) return msg.join('; ');
  return String(msg ?? e.message);
}
