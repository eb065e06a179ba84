import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Job } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import type { Execution } from './execution.entity.js';
import { ExecutionsService } from './executions.service.js';
import { Masker } from './masking.js';
import { ProgressService } from './progress.service.js';
import { poolOf } from './sql.js';

export interface ParentResponse {
  status?: number;
  json?: unknown;
  body?: string;
  /** The parent run's plain secret values (headers, params, env): what a chain renders from them is secret. */
  secrets?: string[];
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
    const failed = exec.status !== 'succeeded';
    try {
      await this.progress.childFinished(exec, failed);
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
    // Secrecy follows the value: the parent's secret params (its job's, and those it got sealed) and every
    // secret it sent (headers, env) taint what a step renders from them.
    const parentSecretParams = this.params.taintedNames(def, exec.params);
    const masker = new Masker([
      ...(response?.secrets ?? []),
      ...this.params.secretValues(def, params, parentSecretParams),
    ]);
    const { secrets: _secrets, ...parentResponse } = response ?? {};
    const real = { params, response: parentResponse };
    const masked = masker.value({
      params: this.params.maskParams(def, params, parentSecretParams),
      response: real.response,
    });
    for (const step of (def[steps] ?? []) as { job: string; params?: Record<string, unknown> }[]) {
      try {
        const target = await this.jobs.get(step.job);
        const timezone = target.timezone ?? undefined;
        const mapped = await this.params.renderMapping(step.params ?? {}, { parent: real, timezone });
        const tainted =
          masker.empty && !parentSecretParams.length
            ? []
            : await this.taintedKeys(step.params ?? {}, mapped, masked, masker, timezone);
        const child = await this.executions.enqueue({
          job: target,
          trigger: 'chain',
          triggerRef: exec.id,
          parentId: exec.id,
          actor: exec.actor,
          params: mapped,
          secretParams: tainted,
        });
        await this.log(
          exec.id,
          'info',
          `${steps}: queued ${target.name} (${child?.id ?? 'not queued'}, ${child?.status ?? '-'})`,
        );
      } catch (err) {
        const e = err as Error & { getResponse?: () => unknown };
        const detail = e.getResponse ? JSON.stringify(e.getResponse()) : e.message;
        await this.log(exec.id, 'error', `${steps}: could not queue ${step.job}: ${detail}`);
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
    masked: { params: Record<string, unknown>; response: unknown },
    masker: Masker,
    timezone: string | undefined,
  ): Promise<string[]> {
    let shadow: Record<string, unknown> = {};
    try {
      shadow = await this.params.renderMapping(mapping, { parent: masked as never, timezone });
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
    await poolOf(this.dataSource)
      .query('INSERT INTO execution_logs (execution_id, level, message) VALUES ($1, $2, $3)', [
        executionId,
        level,
        message,
      ])
      .catch(() => undefined);
  }
}
