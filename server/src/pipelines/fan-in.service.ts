import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { JobNeeds, NeedsOnFailure } from '@api-manager/contracts';
import { SecretBox } from '../common/secret-box.js';
import { AppConfig } from '../config/app-config.js';
import type { Execution } from '../executions/execution.entity.js';
import { ExecutionsService } from '../executions/executions.service.js';
import type { ParentResponse } from '../executions/finalizer.service.js';
import { Masker } from '../executions/masking.js';
import { deadlineMs } from '../jobs/dto/needs.dto.js';
import type { Job } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { PipelineRunsService } from './pipeline-runs.service.js';
import { type Arrival, PipelinesStore, type SlotRow } from './pipelines.store.js';

const FAILED = ['failed', 'timed_out', 'lost', 'partial', 'cancelled', 'skipped'];

/** What `needs.<job>` holds in a fan-in's param templates. */
interface NeededView {
  status: string;
  executionId: string | null;
  params: Record<string, unknown>;
  response: { status?: number; json?: unknown; body?: string } | null;
}

/**
 * Fan-in (`needs`): a needed job's final run arrives at the slot of (fan-in job, key value); the slot fires
 * the fan-in job once when every needed job has succeeded for that key, or settles by `onFailure` when one
 * fails or the deadline passes. "Once" across replicas is the slot's atomic claim (`PipelinesStore.claim`).
 */
@Injectable()
export class FanInService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(FanInService.name);
  private timer: NodeJS.Timeout | null = null;
  private sweeping = false;

  constructor(
    private readonly store: PipelinesStore,
    private readonly jobs: JobsService,
    private readonly executions: ExecutionsService,
    private readonly params: ParamsResolver,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly runs: PipelineRunsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.WORKERS_ENABLED) return;
    this.timer = setInterval(() => void this.sweep(), this.config.FAN_IN_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** A final run of `job`: record it at every fan-in that needs the job. */
  async arrived(
    exec: Execution,
    job: Job | null,
    params: Record<string, unknown>,
    response: ParentResponse | undefined,
    runId: () => Promise<string | null>,
  ): Promise<void> {
    // A fan-out parent holds the whole list: its children arrive one by one.
    if (exec.childrenTotal > 0) return;
    const fanIns = await this.store.fanInsNeeding(exec.jobName);
    if (!fanIns.length) return;
    const def = job ?? (await this.jobs.get(exec.jobId).catch(() => null));
    if (!def) return;
    const arrival = this.arrival(exec, def, params, response);
    const pipelineRunId = await runId();
    for (const { name } of fanIns) {
      let fanIn: Job;
      try {
        fanIn = await this.jobs.get(name);
      } catch {
        continue;
      }
      const needs = fanIn.needs as JobNeeds | null;
      if (!needs) continue;
      const tainted = this.params.taintedNames(def, exec.params);
      const secretKey = needs.key.find((k) => tainted.includes(k));
      if (secretKey) {
        await this.store.log(
          exec.id,
          'warn',
          `needs: ${fanIn.name} not fed: key param ${secretKey} is secret in this run`,
        );
        continue;
      }
      const missing = needs.key.filter((k) => params[k] === undefined || params[k] === null || params[k] === '');
      if (missing.length) {
        await this.store.log(exec.id, 'warn', `needs: ${fanIn.name} not fed: this run has no ${missing.join(', ')}`);
        continue;
      }
      const keyValues = Object.fromEntries(needs.key.map((k) => [k, params[k]]));
      const slot = await this.store.arrive({
        jobId: fanIn.id,
        jobName: fanIn.name,
        keyText: JSON.stringify(needs.key.map((k) => params[k])),
        keyNames: needs.key,
        keyValues,
        deadlineMs: deadlineMs(needs.deadline) ?? 86_400_000,
        runId: pipelineRunId,
        neededJob: exec.jobName,
        arrival,
      });
      const keyLabel = describeKey(slot);
      if (slot.state !== 'waiting') {
        await this.store.log(
          exec.id,
          'warn',
          `needs: ${fanIn.name} for ${keyLabel} was already ${slot.state}${slot.reason ? ` (${slot.reason})` : ''}: this run came too late to count`,
        );
        continue;
      }
      await this.store.log(exec.id, 'info', `needs: arrived at ${fanIn.name} for ${keyLabel} (${exec.status})`);
      await this.decide(slot, fanIn, exec);
    }
  }

  /** Settle or fire a waiting slot when its arrivals allow (or force at the deadline). */
  private async decide(slot: SlotRow, fanIn: Job, trigger: Execution | null, atDeadline = false): Promise<void> {
    const needs = fanIn.needs as JobNeeds;
    const policy: NeedsOnFailure = needs.onFailure ?? 'skip';
    const arrivals = slot.arrivals;
    const failed = needs.jobs.filter((j) => arrivals[j] && FAILED.includes(arrivals[j].status));
    const missing = needs.jobs.filter((j) => !arrivals[j]);
    const keyLabel = describeKey(slot);
    if (!failed.length && !missing.length) return this.fire(slot, fanIn, trigger, null);
    const problem = [
      ...failed.map((j) => `${j} ${arrivals[j]!.status}`),
      ...(atDeadline ? missing.map((j) => `${j} missing at the deadline`) : []),
    ];
    if (!problem.length) return; // still waiting for the others
    if (policy === 'run') {
      if (missing.length && !atDeadline) return; // run once everyone arrived (or at the deadline)
      return this.fire(slot, fanIn, trigger, `ran with ${problem.join(', ')} (onFailure run)`);
    }
    const state = policy === 'fail' ? 'failed' : 'skipped';
    const reason = `needs ${needs.jobs.join(', ')} for ${keyLabel}: ${problem.join(', ')} (onFailure ${policy})`;
    const claimed = await this.store.claim(slot.id, state, reason);
    if (!claimed) return;
    const exec = await this.executions.recordFailed(
      {
        job: fanIn,
        trigger: 'chain',
        triggerRef: trigger?.id ?? null,
        parentId: trigger?.id,
        actor: trigger?.actor ?? null,
        params: slot.key_values,
        pipelineRunId: slot.pipeline_run_id,
        idempotencyKey: `needs:${slot.id}`,
      },
      slot.key_values,
      reason,
      state === 'failed' ? 'failed' : 'skipped',
    );
    await this.store.setExecution(slot.id, exec.id);
  }

  /** Queue the fan-in run, in the same transaction as the claim: exactly once per slot. */
  private async fire(slot: SlotRow, fanIn: Job, trigger: Execution | null, note: string | null): Promise<void> {
    const needs = fanIn.needs as JobNeeds;
    const { real, masked, secrets } = this.contexts(slot, needs.jobs);
    const masker = new Masker(secrets);
    let mapped: Record<string, unknown> = { ...slot.key_values };
    let tainted: string[] = [];
    let renderError: string | null = null;
    try {
      const extra = await this.params.renderMapping((needs.params ?? {}) as Record<string, unknown>, {
        needs: real,
        timezone: fanIn.timezone ?? undefined,
      });
      mapped = { ...extra, ...slot.key_values };
      tainted = await this.taintedKeys((needs.params ?? {}) as Record<string, unknown>, extra, masked, masker, fanIn);
    } catch (err) {
      renderError = masker.text(reasonOf(err)) ?? 'could not render needs.params';
    }
    const run = {
      job: fanIn,
      trigger: 'chain' as const,
      triggerRef: trigger?.id ?? null,
      parentId: trigger?.id,
      actor: trigger?.actor ?? null,
      pipelineRunId: slot.pipeline_run_id,
      idempotencyKey: `needs:${slot.id}`,
    };
    if (!renderError) {
      try {
        const queued = await this.store.transaction(async (m) => {
          const claimed = await this.store.claim(slot.id, 'fired', note, m);
          if (!claimed) return null;
          const exec = await this.executions.enqueue({ ...run, params: mapped, secretParams: tainted }, m);
          if (exec) await this.store.setExecution(slot.id, exec.id, m);
          return exec;
        });
        if (queued) {
          await this.store.log(
            queued.id,
            note ? 'warn' : 'info',
            `needs: ${needs.jobs.join(', ')} for ${describeKey(slot)}${note ? `: ${note}` : ' all succeeded'}`,
          );
        }
        return;
      } catch (err) {
        renderError = masker.text(reasonOf(err)) ?? 'could not be queued';
      }
    }
    // Bad params or a disabled job: the slot fails, with a failed run that says why.
    const reason = `needs: ${fanIn.name} for ${describeKey(slot)} could not be queued: ${renderError}`;
    const claimed = await this.store.claim(slot.id, 'failed', reason);
    if (!claimed) return;
    const failed = await this.executions.recordFailed(run as never, slot.key_values, reason);
    await this.store.setExecution(slot.id, failed.id);
  }

  /** Settle every waiting slot past its deadline (any replica; each slot's claim has one winner). */
  async sweep(): Promise<number> {
    if (this.sweeping) return 0;
    this.sweeping = true;
    let n = 0;
    try {
      for (const slot of await this.store.overdue()) {
        const fanIn = await this.jobs.get(slot.job_id).catch(() => null);
        if (!fanIn?.needs) {
          await this.store.claim(slot.id, 'skipped', 'the fan-in job no longer has needs');
          continue;
        }
        await this.decide(slot, fanIn, null, true);
        if (slot.pipeline_run_id) await this.runs.refresh(slot.pipeline_run_id);
        n++;
      }
    } catch (err) {
      this.logger.warn(`Fan-in deadline sweep failed: ${(err as Error).message}`);
    } finally {
      this.sweeping = false;
    }
    return n;
  }

  /** One needed run as stored at the slot: masked for display, the plain values sealed when secret. */
  private arrival(exec: Execution, job: Job, params: Record<string, unknown>, response?: ParentResponse): Arrival {
    const tainted = this.params.taintedNames(job, exec.params);
    const masker = new Masker([...(response?.secrets ?? []), ...this.params.secretValues(job, params, tainted)]);
    const { secrets: _s, ...plainResponse } = response ?? {};
    const real = { params, response: response ? plainResponse : undefined };
    const masked = masker.value({ params: this.params.maskParams(job, params, tainted), response: real.response });
    const secret = !masker.empty || tainted.length > 0;
    return {
      executionId: exec.id,
      status: exec.status,
      masked: masked as Arrival['masked'],
      sealed: secret
        ? this.secrets.encrypt(
            JSON.stringify({
              ...real,
              secrets: [...(response?.secrets ?? []), ...this.params.secretValues(job, params, tainted)],
            }),
          )
        : null,
      at: new Date().toISOString(),
    };
  }

  /** `needs.<job>` for templates: the plain values, the masked ones, and every secret among them. */
  private contexts(slot: SlotRow, jobs: string[]) {
    const real: Record<string, NeededView> = {};
    const masked: Record<string, NeededView> = {};
    const secrets: string[] = [];
    for (const name of jobs) {
      const a = slot.arrivals[name];
      if (!a) {
        real[name] = masked[name] = { status: 'missing', executionId: null, params: {}, response: null };
        continue;
      }
      let plain = a.masked as { params: Record<string, unknown>; response?: NeededView['response'] };
      if (a.sealed) {
        const open = JSON.parse(this.secrets.decrypt(a.sealed)) as typeof plain & { secrets?: string[] };
        secrets.push(...(open.secrets ?? []));
        plain = open;
      }
      real[name] = {
        status: a.status,
        executionId: a.executionId,
        params: plain.params,
        response: plain.response ?? null,
      };
      masked[name] = {
        status: a.status,
        executionId: a.executionId,
        params: a.masked.params,
        response: a.masked.response ?? null,
      };
    }
    return { real, masked, secrets };
  }

  /** Keys of the rendered params that depend on a secret (as the chain's rule: secrecy follows the value). */
  private async taintedKeys(
    mapping: Record<string, unknown>,
    mapped: Record<string, unknown>,
    masked: Record<string, NeededView>,
    masker: Masker,
    fanIn: Job,
  ): Promise<string[]> {
    if (masker.empty) return [];
    let shadow: Record<string, unknown>;
    try {
      shadow = await this.params.renderMapping(mapping, { needs: masked, timezone: fanIn.timezone ?? undefined });
    } catch {
      return Object.keys(mapped);
    }
    return Object.keys(mapped).filter(
      (k) =>
        JSON.stringify(shadow[k]) !== JSON.stringify(mapped[k]) ||
        JSON.stringify(masker.value(mapped[k])) !== JSON.stringify(mapped[k]),
    );
  }
}

/** `device_id=d-1, date=2026-12-01` */
export function describeKey(slot: Pick<SlotRow, 'key_names' | 'key_values'>): string {
  return slot.key_names.map((k) => `${k}=${String(slot.key_values[k])}`).join(', ');
}

function reasonOf(err: unknown): string {
  const e = err as Error & { getResponse?: () => unknown };
  const body = e.getResponse?.() as { message?: unknown } | string | undefined;
  const msg = typeof body === 'object' && body ? body.message : body;
  if (Array.isArray(msg)) return msg.join('; ');
  return String(msg ?? e.message);
}
