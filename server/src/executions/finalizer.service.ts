import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { FAILURE_STATUSES, statusIn } from '../common/statuses.js';
import type { Job } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import type { Execution } from './execution.entity.js';
import { ExecutionsService } from './executions.service.js';
import { FinalHooks } from './final-hooks.js';
import { Masker } from './masking.js';
import { ProgressService } from './progress.service.js';
import { poolOf } from '../database/pg-pool.js';
import { insertLog } from './executions.store.js';

export interface ParentResponse {
  status?: number;
  json?: unknown;
  body?: string;
  /** The parent run's plain secret values (headers, params, env): what a chain renders from them is secret. */
  secrets?: string[];
}

/** `onFailure` chains fire on a failure (not on cancelled or skipped). */
const CHAIN_ON_FAILURE = FAILURE_STATUSES;

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
    private readonly hooks: FinalHooks,
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
    // Fan-in arrivals and the pipeline run's status (pipelines/).
    await this.hooks
      .afterFinal(exec, job, params, response)
      .catch((err: Error) => this.logger.error(`Pipeline step after ${exec.id} failed: ${err.message}`));
  }

  private async chain(exec: Execution, job: Job | null, params: Record<string, unknown>, response?: ParentResponse) {
    const steps =
      exec.status === 'succeeded' ? 'onSuccess' : statusIn(exec.status, CHAIN_ON_FAILURE) ? 'onFailure' : null;
    if (!steps) return;
    let def = job;
    if (!def) {
      try {
        def = await this.jobs.get(exec.jobId);
      } catch {
        return;
      }
    }
    // Secrecy follows the value: the parent's secret params (its job's, and those it got sealed) and every
    // secret it sent (headers, env) taint what a step renders from them.
    const parentSecretParams = this.params.taintedNames(def, exec.params);
    const masker = new Masker([
      ...(response?.secrets ?? []),
      ...this.params.secretValues(def, params, parentSecretParams),
    ]);
    const { secrets: _secrets, ...parentResponse } = response ?? {};
    const parent = { id: exec.id, status: exec.status, error: exec.error };
    const real = { ...parent, params, response: parentResponse };
    const masked = {
      ...parent,
      ...masker.value({ params: this.params.maskParams(def, params, parentSecretParams), response: real.response }),
    };
    const context = (p: typeof real | typeof masked) => ({ parent: p, ...(exec.push ? { push: exec.push } : {}) });
    const steps_ = (def[steps] ?? []) as unknown[];
    const pipelineRunId = steps_.length ? await this.hooks.pipelineRunFor(exec).catch(() => exec.pipelineRunId) : null;
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
        pipelineRunId,
      };
      const timezone = target.timezone ?? undefined;
      let mapped: Record<string, unknown> = {};
      try {
        mapped = await this.params.renderMapping(step.params ?? {}, { ...context(real), timezone });
        const tainted =
          masker.empty && !parentSecretParams.length
            ? []
            : await this.taintedKeys(step.params ?? {}, mapped, context(masked), masker, timezone);
        const child = await this.executions.enqueue({ ...run, params: mapped, secretParams: tainted });
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
            masker.value(this.params.maskParams(target, mapped)),
            masker.text(reason),
          );
          await this.log(exec.id, 'error', `${reason} (recorded as failed execution ${failed.id})`);
        } catch (recordErr) {
          await this.log(exec.id, 'error', `${reason}; recording it failed: ${(recordErr as Error).message}`);
        }
      }
    }
  }

  /**
   * The keys of a step's rendered params that carry a secret: their value changes when the parent's secrets
   * are masked in the template context (a `{{ parent.params.tok }}`, whatever filters encode it), or it
   * contains a secret in any encoded form.
   */
  private async taintedKeys(
    mapping: Record<string, unknown>,
    mapped: Record<string, unknown>,
    masked: { parent: unknown; push?: unknown },
    masker: Masker,
    timezone: string | undefined,
  ): Promise<string[]> {
    let shadow: Record<string, unknown> = {};
    try {
      shadow = await this.params.renderMapping(mapping, { ...(masked as object), timezone } as never);
    } catch {
      // A template that fails on masked values (e.g. a filter on '***') depends on them: all keys are secret.
      return Object.keys(mapped);
    }
    return Object.keys(mapped).filter(
      (k) =>
        JSON.stringify(shadow[k]) !== JSON.stringify(mapped[k]) ||
        JSON.stringify(masker.value(mapped[k])) !== JSON.stringify(mapped[k]),
    );
  }

  private async log(executionId: string, level: string, message: string): Promise<void> {
    await insertLog(poolOf(this.dataSource), executionId, level, message).catch(() => undefined);
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
