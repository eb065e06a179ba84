import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SecretBox } from '../../common/secret-box.js';
import { AppConfig } from '../../config/app-config.js';
import { Environment } from '../../config/environment.js';
import type { Job } from '../../jobs/job.entity.js';
import { declaredParams, ParamsResolver } from '../../jobs/params/params-resolver.js';
import { TemplateEngine } from '../../jobs/templating/template-engine.js';
import type { TemplateContext } from '../../jobs/templating/template-context.js';
import { EventsService } from '../events.service.js';
import { ExecutionEventsStore } from '../execution-events.store.js';
import type { Execution } from '../execution.entity.js';
import { Masker } from '../masking.js';
import { poolOf } from '../../database/pg-pool.js';
import { CommandLog, lineMasker, type LogLevel } from './command-log.js';
import { CommandIsolation, type CommandUser, IsolationError } from './command-user.js';
import { checkout, type CheckoutConfig, workingDirectory } from './command/checkout.js';
import { commitBack } from './command/commit-back.js';
import { type CommandOutcome, failedOutcome, SetupError, COMMAND_RUN_DISABLED } from './command/outcome.js';
import { pushOf } from './command/push-info.js';
import { runScript } from './command/run-script.js';
import { decryptSecrets, paramEnv, renderEnv } from './command/secrets.js';
import { Git, redactUrl } from './git-workspace.js';

export { COMMAND_RUN_DISABLED, failedOutcome, type CommandOutcome };

/**
 * Runs a `command` job's script: optional checkout of the pushed commit into a per-execution
 * workspace, templated env with secrets masked, output streamed into the execution's logs, timeout
 * and cancellation that kill the whole process group, optional commit-back with `[skip ci]`.
 * The steps live in `command/`: secrets + env, checkout, run, commit-back.
 */
@Injectable()
export class CommandExecutor {
  private readonly logger = new Logger(CommandExecutor.name);

  constructor(
    private readonly config: AppConfig,
    private readonly environment: Environment,
    private readonly templates: TemplateEngine,
    private readonly secretBox: SecretBox,
    private readonly params: ParamsResolver,
    private readonly events: EventsService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly isolation: CommandIsolation,
  ) {}

  onModuleInit(): void {
    this.isolation.logAtStart();
  }

  get enabled(): boolean {
    return this.config.COMMAND_JOBS_ENABLED;
  }

  workspaceRoot(): string {
    return this.isolation.workspaceRoot();
  }

  async execute(
    exec: Execution,
    job: Job,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<CommandOutcome> {
    if (!this.enabled) return failedOutcome(COMMAND_RUN_DISABLED);
    const ex = job.executor;
    // (the runner only hands command jobs here)
    if (ex.kind !== 'command') return failedOutcome(`executor.kind ${ex.kind} is not run by the command executor`);

    // Secrets first, so that everything below can be masked.
    const secrets: string[] = [...this.params.secretValues(job, params, this.params.taintedNames(job, exec.params))];
    const decrypted = decryptSecrets(job, this.secretBox);
    if ('error' in decrypted) return failedOutcome(decrypted.error);
    secrets.push(...decrypted.values);
    const co = ex.checkout as CheckoutConfig | null;
    const masker = new Masker(secrets.filter((s) => s !== ''));
    if (exec.cancelRequested) {
      return { ...failedOutcome('Cancelled before it started', secrets), status: 'cancelled' };
    }

    const push = pushOf(exec);
    const ctx: TemplateContext = {
      params: declaredParams(job, params),
      execution: { id: exec.id, attempt: exec.attempt },
      timezone: job.timezone ?? this.templates.defaultZone(),
      now: exec.scheduledFor ?? new Date(),
      ...(push ? { push: push.context } : {}),
    };
    const renderErrors: string[] = [];
    const render = (field: string, template: string): string => {
      try {
        return this.templates.render(template, ctx);
      } catch (err) {
        renderErrors.push(`${field}: ${(err as Error).message}`);
        return '';
      }
    };
    const { env: jobEnv, shown: shownEnv } = renderEnv(job, decrypted.secretEnv, render, masker);
    const ref = co?.ref ? render('executor.checkout.ref', String(co.ref)) : null;
    if (renderErrors.length) return failedOutcome(masker.text(`Could not render: ${renderErrors.join('; ')}`), secrets);

    const root = path.join(this.workspaceRoot(), `${exec.id}-${exec.attempt}`);
    const workspace = path.join(root, 'workspace');
    const log = new CommandLog(
      poolOf(this.dataSource),
      this.events,
      { id: exec.id, jobName: exec.jobName },
      lineMasker(secrets.filter((s) => s !== '')),
      this.config.COMMAND_LOG_MAX_BYTES,
      this.config.COMMAND_LOG_MAX_LINES,
      (err) => this.logger.warn(`Execution ${exec.id}: writing logs failed: ${err.message}`),
    );
    const request: Record<string, unknown> = {
      kind: 'command',
      shell: ex.shell,
      script: masker.text(String(ex.script)),
      timeoutMs: ex.timeoutMs,
      workingDirectory: ex.workingDirectory ?? null,
      env: shownEnv,
      checkout: null,
      commitBack: !!ex.commitBack,
    };
    const response: Record<string, unknown> = {};
    const summary: [LogLevel, string][] = [];
    let status: CommandOutcome['status'] = 'failed';
    let error: string | null = null;
    let retryable = false;
    // One deadline for the whole run (checkout, script, commit-back): when it passes, or on cancel,
    // `run` aborts and whatever runs then (git and its remote helpers, or the script) is killed as a group.
    const timeoutMs = Number(ex.timeoutMs);
    const deadline = Date.now() + timeoutMs;
    const run = new AbortController();
    let timedOut = false;
    const deadlineTimer = setTimeout(() => {
      timedOut = true;
      run.abort();
    }, timeoutMs);
    const onCancel = () => run.abort();
    if (signal.aborted) onCancel();
    else signal.addEventListener('abort', onCancel, { once: true });
    let phase = 'checkout';
    try {
      await mkdir(workspace, { recursive: true, mode: 0o700 });
      const isolated = await this.isolation.prepare(root, workspace);
      const user = isolated && { ...isolated, home: root };
      const git = new Git(
        this.baseEnv(user),
        log,
        run.signal,
        { header: decrypted.authHeader, payloadUrl: !co?.url },
        user?.ids,
        this.config.COMMAND_KILL_GRACE_MS,
      );
      let sha = push?.after ?? null;
      let branch = push?.branch ?? null;
      let repoUrl: string | null = null;
      if (co) {
        if (push?.after && ref) {
          log.note(
            'info',
            `checkout.ref ${ref} does not apply: a push-triggered run builds the pushed commit ${push.after}`,
          );
        }
        const out = await checkout(git, workspace, co, push, ref);
        sha = out.sha;
        branch = out.branch;
        repoUrl = out.url;
        request.checkout = { url: repoUrl, ref: push?.after ? null : (ref ?? null), branch, commit: sha };
      } else if (push?.cloneUrl) repoUrl = redactUrl(push.cloneUrl);

      if (run.signal.aborted) throw new SetupError('stopped');
      const cwd = await workingDirectory(workspace, ex.workingDirectory as string | null);
      const env: Record<string, string> = {
        ...this.baseEnv(user),
        ...paramEnv(params),
        ...jobEnv,
        CI: 'true',
        CI_JOB_ID: job.id,
        CI_JOB_NAME: job.name,
        CI_EXECUTION_ID: exec.id,
        CI_COMMIT_SHA: sha ?? '',
        CI_BRANCH: branch ?? '',
        CI_REPO_URL: repoUrl ?? '',
        CI_REPOSITORY: push?.repository ?? '',
        CI_WORKSPACE: workspace,
        CI_CHANGED_FILES: (push?.changedFiles ?? []).join('\n'),
      };
      phase = 'script';
      // What runs is on the execution while it runs (the detail shows the script, env and checkout).
      if (exec.leaseOwner) {
        await ExecutionEventsStore.setRequest(poolOf(this.dataSource), exec.id, exec.leaseOwner, masker.value(request));
      }
      const result = await runScript(
        {
          shell: String(ex.shell),
          script: String(ex.script),
          timeoutMs: ex.timeoutMs as number,
          root,
          cwd,
          env,
          deadline,
          killGraceMs: this.config.COMMAND_KILL_GRACE_MS,
          signal: run.signal,
          timedOut: () => timedOut,
          user: user?.ids,
        },
        log,
      );
      Object.assign(response, result.response);
      ({ status, error, retryable } = result);
      if (result.summary) summary.push(['info', result.summary]);
      if (status === 'succeeded' && ex.commitBack) {
        phase = 'commit-back';
        const cb = ex.commitBack as { authorName: string; authorEmail: string };
        const pushed = await commitBack(git, workspace, cb, `[skip ci] ${job.name} execution ${exec.id}`, branch);
        response.commit = pushed;
        if (timedOut || signal.aborted) throw new SetupError('stopped');
        if (pushed.error) {
          status = 'failed';
          error = pushed.error;
          delete pushed.error;
        }
      }
    } catch (err) {
      if (timedOut) {
        status = 'timed_out';
        error = `Timed out after ${timeoutMs} ms (during ${phase}): the process group was killed`;
        retryable = true;
      } else if (signal.aborted) {
        status = 'cancelled';
        error = `Cancelled (during ${phase}): the process group was killed`;
      } else {
        status = 'failed';
        error =
          err instanceof SetupError || err instanceof IsolationError
            ? err.message
            : `Command executor: ${(err as Error).message}`;
        retryable = err instanceof SetupError && err.retryable;
      }
    } finally {
      clearTimeout(deadlineTimer);
      signal.removeEventListener('abort', onCancel);
      try {
        await rm(root, { recursive: true, force: true, maxRetries: 2 });
      } catch (err) {
        const msg = `Workspace ${root} could not be removed: ${(err as Error).message}`;
        this.logger.warn(`Execution ${exec.id}: ${msg}`);
        log.note('warn', msg);
      }
      await log.close();
    }
    Object.assign(response, {
      logLines: log.lines,
      logBytes: log.bytes,
      truncated: log.truncated,
      ...(log.truncated ? { droppedLines: log.droppedLines, droppedBytes: log.droppedBytes } : {}),
    });
    if (log.truncated) {
      summary.push([
        'warn',
        `Output was cut at ${log.lines} lines / ${log.bytes} bytes; ${log.droppedLines} more lines (${log.droppedBytes} bytes) were not kept`,
      ]);
    }
    if (error) summary.push([status === 'cancelled' ? 'warn' : 'error', error]);
    return {
      status,
      error: masker.text(error) ?? null,
      request: masker.value(request),
      response: masker.value(response),
      summary: summary.map(([l, m]) => [l, masker.text(m)]),
      retryable,
      secrets,
      lastLogId: log.lastId,
    };
  }

  /** The variables a script (and git) inherit from the server: a short allow-list; HOME etc. of the script's user. */
  private baseEnv(user?: CommandUser & { home?: string }): Record<string, string> {
    const env = this.environment.forScripts();
    if (user) Object.assign(env, { USER: user.name, LOGNAME: user.name, HOME: user.home ?? '/nonexistent' });
    return env;
  }
}
