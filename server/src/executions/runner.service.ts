import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Job } from '../jobs/job.entity.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { RequestRenderer, type RenderedRequest } from '../jobs/render/request-renderer.js';
import { isSuccessStatus } from '../jobs/render/success-statuses.js';
import type { ExecutionStatusValue, Execution } from './execution.entity.js';
import { CompletionWriter } from './completion-writer.service.js';
import { EventsService } from './events.service.js';
import { CommandExecutor, type CommandOutcome, failedOutcome } from './executors/command.executor.js';
import { HttpExecutor, type HttpOutcome } from './executors/http.executor.js';
import { FanOutSourceService } from './fanout/fanout-source.service.js';
import { FinalizerService, type ParentResponse } from './finalizer.service.js';
import { Masker } from './masking.js';
import { isRetryable, parseRetryAfter, retryDelayMs, retrySettings } from './retry-policy.js';
import { LiveLog } from './live-log.js';
import type { LogNotice } from './live-stream.service.js';
import { poolOf } from '../database/pg-pool.js';
import { toExecution } from './executions.store.js';
import { recordAttempt } from '../metrics/execution-metrics.js';

export interface RunHandle {
  owner: string;
  signal: AbortSignal;
  /** True when the row was released (shutdown) or the lease was lost: write nothing. */
  abandoned(): boolean;
  /** A retry was queued for `delayMs` from now. */
  requeued(delayMs: number): void;
}

/** Runs one claimed execution (one attempt) and records the outcome. */
@Injectable()
export class RunnerService {
  private readonly logger = new Logger(RunnerService.name);

  constructor(
    private readonly params: ParamsResolver,
    private readonly renderer: RequestRenderer,
    private readonly http: HttpExecutor,
    private readonly events: EventsService,
    private readonly finalizer: FinalizerService,
    private readonly writer: CompletionWriter,
    private readonly command: CommandExecutor,
    private readonly sources: FanOutSourceService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async run(exec: Execution, job: Job | undefined, h: RunHandle): Promise<void> {
    const sources = this.sources.pendingSources(exec, job);
    if (sources.length) return this.sources.run(exec, job!, sources, h);
    void this.events.publish('execution', {
      id: exec.id,
      status: 'running',
      jobName: exec.jobName,
      attempt: exec.attempt,
    });
    if (job?.executor?.kind === 'command') return this.runCommand(exec, job, h);
    const logs: [string, string][] = [];
    let params = exec.params;
    let rendered: RenderedRequest | null = null;
    let outcome: HttpOutcome | null = null;
    let failure: string | null = null;
    try {
      if (!job) throw new Error(`Job ${exec.jobName} no longer exists`);
      // Secret for this run: the job's secret params and every param stored sealed (secrecy follows the value).
      const secretParams = this.params.taintedNames(job, exec.params);
      if (secretParams.length) params = await this.params.resolve(job, exec.params);
      rendered = await this.renderer.render(
        job,
        params,
        {
          execution: { id: exec.id, attempt: exec.attempt },
          ...(exec.push ? { push: exec.push } : {}),
          now: exec.scheduledFor ?? undefined,
        },
        secretParams,
      );
    } catch (err) {
      failure = `Could not render the request: ${errorMessage(err)}`;
    }
    const masker = new Masker(rendered?.secrets ?? []);
    // Lines of the call are written when they happen (request sent, headers, body done), with their own time.
    const live = new LiveLog(poolOf(this.dataSource), this.events, exec, h.owner, this.logger);
    if (rendered && !failure) {
      const r = rendered;
      const line = `Attempt ${exec.attempt}/${exec.maxAttempts}: ${r.masked.method} ${r.masked.url}`;
      if (exec.cancelRequested) {
        logs.push(['info', line]);
        outcome = { kind: 'cancelled', error: 'Cancelled', durationMs: 0 };
      } else {
        outcome = await this.http.execute(r, exec.id, exec.attempt, h.signal, {
          sent: () => live.requestSent(r.masked, masker.text(`${line}: request sent, waiting for the response`)),
          headers: (status, ms) => live.line('info', `Response headers: HTTP ${status} after ${ms} ms`),
        });
        if (outcome.kind === 'http') {
          live.line(
            isSuccessStatus(outcome.status!, r.successStatuses) ? 'info' : 'warn',
            `Body done: HTTP ${outcome.status} in ${outcome.durationMs} ms, ${outcome.bytes} bytes${outcome.truncated ? ' (truncated)' : ''}`,
          );
        }
      }
    }
    await live.settled();
    if (h.abandoned()) return;

    let status: ExecutionStatusValue;
    let error: string | null = null;
    if (failure || !outcome) {
      status = 'failed';
      error = failure ?? 'Nothing was run';
    } else if (outcome.kind === 'cancelled') {
      status = 'cancelled';
      error = 'Cancelled while running';
    } else if (outcome.kind === 'timeout') {
      status = 'timed_out';
      error = outcome.error ?? 'Timed out';
    } else if (outcome.kind === 'network') {
      status = 'failed';
      error = outcome.error ?? 'Network error';
    } else if (isSuccessStatus(outcome.status!, rendered!.successStatuses)) {
      status = 'succeeded';
    } else {
      status = 'failed';
      error = `HTTP ${outcome.status} is not a success status (${rendered!.successStatuses.join(', ')})`;
    }
    if (outcome?.kind !== 'http' && error) logs.push(['error', error]);
    else if (status !== 'succeeded' && error) logs.push(['warn', error]);

    const response =
      outcome?.kind === 'http'
        ? masker.value({
            status: outcome.status,
            headers: outcome.headers,
            body: outcome.body,
            bytes: outcome.bytes,
            truncated: outcome.truncated,
          })
        : null;
    const request = rendered ? rendered.masked : null;
    error = masker.text(error) ?? null;
    const entry = {
      attempt: exec.attempt,
      startedAt: exec.startedAt,
      finishedAt: new Date(),
      status,
      error,
      httpStatus: outcome?.status ?? null,
    };
    const settings = retrySettings(job?.retry);
    const retry =
      status !== 'succeeded' &&
      status !== 'cancelled' &&
      exec.attempt < exec.maxAttempts &&
      outcome !== null &&
      !failure &&
      isRetryable({ kind: outcome.kind, status: outcome.status });

    let delay = 0;
    if (retry) {
      delay = retryDelayMs(settings, exec.attempt + 1, parseRetryAfter(outcome?.retryAfter));
      logs.push([
        'warn',
        `Attempt ${exec.attempt} ${status}; retrying in ${delay} ms (attempt ${exec.attempt + 1} of ${exec.maxAttempts})`,
      ]);
    }
    let parentResponse: ParentResponse | undefined;
    if (outcome?.kind === 'http') {
      const body = outcome.body;
      parentResponse = {
        status: outcome.status,
        json: typeof body === 'string' ? undefined : body,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      };
    }
    if (rendered) parentResponse = { ...parentResponse, secrets: rendered.secrets };
    await this.complete(exec, job, h, params, {
      retry,
      delay,
      status,
      request,
      response,
      error,
      entry,
      logs: logs.map((l) => [l[0], masker.text(l[1])]),
      parentResponse,
      lastLogId: live.lastId,
    });
  }

  /** A `command` job: the script runs (and logs) through CommandExecutor; the result is written as for HTTP. */
  private async runCommand(exec: Execution, job: Job, h: RunHandle): Promise<void> {
    let params = exec.params;
    let outcome: CommandOutcome;
    try {
      if (this.params.taintedNames(job, exec.params).length) params = await this.params.resolve(job, exec.params);
      outcome = await this.command.execute(exec, job, params, h.signal);
    } catch (err) {
      outcome = failedOutcome(`Could not prepare the command: ${errorMessage(err)}`);
    }
    if (h.abandoned()) return;
    const masker = new Masker(outcome.secrets);
    const status: ExecutionStatusValue = outcome.status;
    const logs: [string, string][] = [...outcome.summary];
    const retry =
      outcome.retryable && status !== 'succeeded' && status !== 'cancelled' && exec.attempt < exec.maxAttempts;
    let delay = 0;
    if (retry) {
      delay = retryDelayMs(retrySettings(job.retry), exec.attempt + 1, undefined);
      logs.push([
        'warn',
        `Attempt ${exec.attempt} ${status}; retrying in ${delay} ms (attempt ${exec.attempt + 1} of ${exec.maxAttempts})`,
      ]);
    }
    const error = masker.text(outcome.error) ?? null;
    await this.complete(exec, job, h, params, {
      retry,
      delay,
      status,
      request: outcome.request,
      response: outcome.response,
      error,
      entry: {
        attempt: exec.attempt,
        startedAt: exec.startedAt,
        finishedAt: new Date(),
        status,
        error,
        httpStatus: null,
        exitCode: (outcome.response?.exitCode as number | null | undefined) ?? null,
      },
      logs: logs.map((l) => [l[0], masker.text(l[1])]),
      parentResponse: { secrets: outcome.secrets },
      lastLogId: outcome.lastLogId ?? null,
    });
  }

  /** Write the attempt's result (guarded by our lease, batched), announce it, then chains/fan-out. */
  private async complete(
    exec: Execution,
    job: Job | undefined,
    h: RunHandle,
    params: Record<string, unknown>,
    r: {
      retry: boolean;
      delay: number;
      status: ExecutionStatusValue;
      request: unknown;
      response: unknown;
      error: string | null;
      entry: Record<string, unknown>;
      logs: [string, string][];
      parentResponse: ParentResponse | undefined;
      /** The last line written while running: the closing lines written with the result follow it. */
      lastLogId?: string | null;
    },
  ): Promise<void> {
    const { retry, delay, status } = r;
    // The row's new state (guarded by our lease) and its log lines, batched with other results.
    const row = await this.writer.write({
      id: exec.id,
      owner: h.owner,
      retry,
      delayMs: delay,
      status,
      request: r.request,
      response: r.response,
      error: r.error,
      entry: r.entry,
      levels: r.logs.map((l) => l[0]),
      messages: r.logs.map((l) => l[1]),
    });
    if (!row) {
      this.logger.warn(`Execution ${exec.id}: lease lost before the result was written; result dropped`);
      return;
    }
    if (retry) h.requeued(delay);
    const done = toExecution(row);
    recordAttempt(done.jobName, status, exec.startedAt, retry);
    if (r.logs.length) {
      const notice: LogNotice = { id: done.id, jobName: done.jobName, lines: r.logs.length, after: r.lastLogId ?? '0' };
      void this.events.publish('log', notice);
    }
    void this.events.publish('execution', {
      id: done.id,
      status: done.status,
      jobName: done.jobName,
      parentId: done.parentId,
    });
    if (!retry) await this.finalizer.afterFinal(done, job ?? null, params, r.parentResponse);
  }
}

/** An exception's message; an HttpException's validation messages joined. */
function errorMessage(err: unknown): string {
  const e = err as Error & { getResponse?: () => { message?: unknown } };
  const msg = e.getResponse?.().message;
  return Array.isArray(msg) ? msg.join('; ') : String(msg ?? e.message);
}
