import { chmod, chown, mkdir, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SecretBox } from '../../common/secret-box.js';
import { AppConfig } from '../../config/app-config.js';
import { Environment } from '../../config/environment.js';
import type { Job } from '../../jobs/job.entity.js';
import { declaredParams, MASK, ParamsResolver } from '../../jobs/params/params-resolver.js';
import { TemplateEngine } from '../../jobs/templating/template-engine.js';
import type { TemplateContext } from '../../jobs/templating/template-context.js';
import { EventsService } from '../events.service.js';
import type { Execution, ExecutionStatusValue } from '../execution.entity.js';
import { Masker } from '../masking.js';
import { poolOf } from '../sql.js';
import { CommandLog, type LogLevel } from './command-log.js';
import { runProcess } from './command-process.js';
import { CommandIsolation, type CommandUser, IsolationError } from './command-user.js';
import { Git, gitReason, isSafePayloadUrl, redactUrl } from './git-workspace.js';

export const COMMAND_RUN_DISABLED =
  'Command jobs are disabled on this server (COMMAND_JOBS_ENABLED is not true): the script was not run';

export interface CommandOutcome {
  status: Extract<ExecutionStatusValue, 'succeeded' | 'failed' | 'timed_out' | 'cancelled'>;
  error: string | null;
  request: Record<string, unknown> | null;
  response: Record<string, unknown> | null;
  /** Closing lines, written with the result. */
  summary: [LogLevel, string][];
  /** A further attempt may succeed (the script failed or timed out; not a configuration error). */
  retryable: boolean;
  /** Plain secret values, for masking what the runner writes. */
  secrets: string[];
}

interface PushInfo {
  repository: string | null;
  cloneUrl: string | null;
  branch: string | null;
  after: string | null;
  changedFiles: string[];
  context: Record<string, unknown>;
}

class SetupError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** A command run that failed before or without a result (not retried). */
export function failedOutcome(error: string, secrets: string[] = []): CommandOutcome {
  return {
    status: 'failed',
    error,
    request: null,
    response: null,
    summary: [['error', error]],
    retryable: false,
    secrets,
  };
}

const isSecret = (v: unknown): v is { secret: true; value?: string } =>
  !!v && typeof v === 'object' && (v as { secret?: unknown }).secret === true;

/**
 * Runs a `command` job's script: optional checkout of the pushed commit into a per-execution
 * workspace, templated env with secrets masked, output streamed into the execution's logs, timeout
 * and cancellation that kill the whole process group, optional commit-back with `[skip ci]`.
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

    // Secrets first, so that everything below can be masked.
    const secrets: string[] = [...this.params.secretValues(job, params, this.params.taintedNames(job, exec.params))];
    const secretEnv: Record<string, string> = {};
    try {
      for (const [name, v] of Object.entries((ex.env ?? {}) as Record<string, unknown>)) {
        if (isSecret(v) && v.value) secretEnv[name] = this.secretBox.decrypt(v.value);
      }
    } catch {
      return failedOutcome('A secret of executor.env cannot be decrypted with this server key');
    }
    secrets.push(...Object.values(secretEnv));
    let authHeader: string | null = null;
    const checkout = ex.checkout as Record<string, any> | null;
    if (checkout?.token?.value) {
      let token: string;
      try {
        token = this.secretBox.decrypt(checkout.token.value);
      } catch {
        return failedOutcome('executor.checkout.token cannot be decrypted with this server key');
      }
      const basic = Buffer.from(`${checkout.tokenUser ?? 'x-access-token'}:${token}`).toString('base64');
      authHeader = `Authorization: Basic ${basic}`;
      secrets.push(token, basic);
    }
    const masker = new Masker(secrets.filter((s) => s !== ''));
    if (exec.cancelRequested) {
      return { ...failedOutcome('Cancelled before it started', secrets), status: 'cancelled' };
    }

    const push = await this.pushOf(exec);
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
    const jobEnv: Record<string, string> = {};
    const shownEnv: Record<string, string> = {};
    for (const [name, v] of Object.entries((ex.env ?? {}) as Record<string, unknown>)) {
      if (isSecret(v)) {
        if (name in secretEnv) jobEnv[name] = secretEnv[name];
        shownEnv[name] = MASK;
      } else {
        jobEnv[name] = render(`executor.env.${name}`, String(v));
        shownEnv[name] = masker.text(jobEnv[name]);
      }
    }
    const ref = checkout?.ref ? render('executor.checkout.ref', String(checkout.ref)) : null;
    if (renderErrors.length) return failedOutcome(masker.text(`Could not render: ${renderErrors.join('; ')}`), secrets);

    const root = path.join(this.workspaceRoot(), `${exec.id}-${exec.attempt}`);
    const workspace = path.join(root, 'workspace');
    const log = new CommandLog(
      poolOf(this.dataSource),
      this.events,
      { id: exec.id, jobName: exec.jobName },
      masker,
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
        { header: authHeader, payloadUrl: !checkout?.url },
        user?.ids,
        this.config.COMMAND_KILL_GRACE_MS,
      );
      let sha = push?.after ?? null;
      let branch = push?.branch ?? null;
      let repoUrl: string | null = null;
      if (checkout) {
        if (push?.after && ref) {
          log.note(
            'info',
            `checkout.ref ${ref} does not apply: a push-triggered run builds the pushed commit ${push.after}`,
          );
        }
        const co = await this.checkout(git, workspace, checkout, push, ref);
        sha = co.sha;
        branch = co.branch;
        repoUrl = co.url;
        request.checkout = { url: repoUrl, ref: push?.after ? null : (ref ?? null), branch, commit: sha };
      } else if (push?.cloneUrl) repoUrl = redactUrl(push.cloneUrl);

      if (run.signal.aborted) throw new SetupError('stopped');
      const cwd = await this.workingDirectory(workspace, ex.workingDirectory as string | null);
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
      const scriptFile = path.join(root, 'script');
      await writeFile(scriptFile, String(ex.script).endsWith('\n') ? String(ex.script) : `${String(ex.script)}\n`);
      await chmod(scriptFile, 0o700);
      if (user) await chown(scriptFile, user.ids.uid, user.ids.gid);
      const argv = [...String(ex.shell).split(' '), scriptFile];
      log.note('info', `Running the script with ${ex.shell} in ${path.relative(root, cwd) || '.'}`);
      const started = performance.now();
      phase = 'script';
      const result = await runProcess({
        argv,
        cwd,
        env,
        timeoutMs: Math.max(1, deadline - Date.now()),
        killGraceMs: this.config.COMMAND_KILL_GRACE_MS,
        signal: run.signal,
        user: user?.ids,
        onLine: (stream, line) => log.output(stream === 'stderr' ? 'warn' : 'info', line),
      });
      const took = Math.round(performance.now() - started);
      response.exitCode = result.exitCode;
      response.signal = result.signal;
      response.durationMs = took;
      if (result.spawnError) {
        error = `Could not start ${ex.shell}: ${result.spawnError}`;
      } else if (result.killed === 'timeout' || (result.killed === 'cancelled' && timedOut)) {
        status = 'timed_out';
        error = `Timed out after ${ex.timeoutMs} ms: the process group was killed`;
        retryable = true;
      } else if (result.killed === 'cancelled') {
        status = 'cancelled';
        error = 'Cancelled while running: the process group was killed';
      } else if (result.exitCode !== 0) {
        error =
          result.exitCode === null
            ? `The script was killed by ${result.signal}`
            : `The script exited with code ${result.exitCode}`;
        retryable = true;
      } else {
        status = 'succeeded';
        summary.push(['info', `The script exited with code 0 in ${took} ms`]);
      }
      if (status === 'succeeded' && ex.commitBack) {
        phase = 'commit-back';
        const pushed = await this.commitBack(
          git,
          workspace,
          ex.commitBack as Record<string, string>,
          job,
          exec,
          branch,
        );
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
    };
  }

  /** The variables a script (and git) inherit from the server: a short allow-list; HOME etc. of the script's user. */
  private baseEnv(user?: CommandUser & { home?: string }): Record<string, string> {
    const env = this.environment.forScripts();
    if (user) Object.assign(env, { USER: user.name, LOGNAME: user.name, HOME: user.home ?? '/nonexistent' });
    return env;
  }

  private async workingDirectory(workspace: string, wd: string | null): Promise<string> {
    if (!wd) return workspace;
    const inside = (d: string, ws: string) => d === ws || d.startsWith(ws + path.sep);
    const dir = path.resolve(workspace, wd);
    // Saved jobs are checked too (an older definition may hold an absolute path); a symlink in the
    // checkout must not lead out either.
    if (path.isAbsolute(wd) || !inside(dir, workspace)) {
      throw new SetupError('executor.workingDirectory must stay inside the workspace');
    }
    const st = await stat(dir).catch(() => null);
    if (!st?.isDirectory()) throw new SetupError(`executor.workingDirectory ${wd} is not a directory`);
    const real = await realpath(dir);
    if (!inside(real, await realpath(workspace))) {
      throw new SetupError('executor.workingDirectory must stay inside the workspace (it is a link out of it)');
    }
    return real;
  }

  /**
   * The push the execution was made for, as stored with it (webhook runs: the delivery's push summary,
   * clone URL and changed files included; chain steps and fan-out children: their parent's).
   */
  private pushOf(exec: Execution): Promise<PushInfo | null> {
    return Promise.resolve(this.storedPush(exec));
  }

  private storedPush(exec: Execution): PushInfo | null {
    const p = exec.push;
    if (!p) return null;
    const str = (v: unknown) => (typeof v === 'string' && v ? v : null);
    const files = Array.isArray(p.changedFiles) ? (p.changedFiles as string[]) : [];
    return {
      repository: str(p.repository),
      cloneUrl: str(p.cloneUrl),
      branch: str(p.branch),
      after: str(p.after),
      changedFiles: files,
      context: p,
    };
  }

  private async checkout(
    git: Git,
    workspace: string,
    c: Record<string, any>,
    push: PushInfo | null,
    ref: string | null,
  ): Promise<{ url: string; sha: string; branch: string | null }> {
    const url: string | null = c.url ?? push?.cloneUrl ?? null;
    if (!url) {
      throw new SetupError(
        'checkout: no repository: set executor.checkout.url, or trigger the job from a push whose payload has a clone URL',
      );
    }
    if (!c.url && !isSafePayloadUrl(url)) {
      throw new SetupError(`checkout: the push names a clone URL git may not use here (${redactUrl(url)})`);
    }
    const shown = redactUrl(url);
    const must = async (args: string[], what: string, show?: string) => {
      const r = await git.run(workspace, args, { show });
      if (r.code !== 0) throw new SetupError(`checkout: ${what} failed: ${gitReason(r)}`, true);
      return r;
    };
    await must(['init', '-q'], 'git init');
    await must(['remote', 'add', 'origin', url], 'git remote add', `remote add origin ${shown}`);
    const depth = Number(c.depth ?? 50) > 0 ? [`--depth=${Number(c.depth ?? 50)}`] : [];
    let branch: string | null = null;
    // A push-triggered run builds exactly the pushed commit (by sha), whatever checkout.ref says:
    // a later push must not be built (and committed back) under an earlier push's run.
    const fromPush = push?.after ?? null;
    if (fromPush) {
      branch = push!.branch;
      const bySha = await git.run(workspace, ['fetch', '-q', '--no-tags', ...depth, 'origin', fromPush]);
      if (bySha.code !== 0) {
        if (!branch) throw new SetupError(`checkout: fetching ${fromPush} failed: ${gitReason(bySha)}`, true);
        // Servers that refuse fetching a commit by id: fetch the branch (all of it) and find the commit there.
        await must(['fetch', '-q', '--no-tags', 'origin', `refs/heads/${branch}`], `fetching branch ${branch}`);
      }
      await must(['checkout', '-q', ...(branch ? ['-B', branch] : ['--detach']), fromPush], `checking out ${fromPush}`);
    } else {
      let target = ref;
      if (!target) {
        const head = await must(['ls-remote', '--symref', 'origin', 'HEAD'], 'finding the default branch');
        target = /^ref: refs\/heads\/(\S+)\s+HEAD/m.exec(head.stdout)?.[1] ?? null;
        if (!target) throw new SetupError('checkout: the remote has no default branch; set executor.checkout.ref');
      }
      const asBranch = await git.run(workspace, [
        'fetch',
        '-q',
        '--no-tags',
        ...depth,
        'origin',
        `refs/heads/${target}`,
      ]);
      if (asBranch.code === 0) branch = target;
      else await must(['fetch', '-q', '--no-tags', ...depth, 'origin', target], `fetching ${target}`);
      await must(
        ['checkout', '-q', ...(branch ? ['-B', branch] : ['--detach']), 'FETCH_HEAD'],
        `checking out ${target}`,
      );
    }
    const head = await must(['rev-parse', 'HEAD'], 'git rev-parse');
    const sha = head.stdout.trim();
    return { url: shown, sha, branch };
  }

  private async commitBack(
    git: Git,
    workspace: string,
    cb: Record<string, string>,
    job: Job,
    exec: Execution,
    branch: string | null,
  ): Promise<{ changed: boolean; sha?: string; branch?: string; pushed?: boolean; error?: string }> {
    if (!branch) return { changed: false, error: 'commitBack: the checkout is not on a branch; nothing was pushed' };
    const add = await git.run(workspace, ['add', '-A']);
    if (add.code !== 0) return { changed: false, error: `commitBack: git add failed: ${gitReason(add)}` };
    const st = await git.run(workspace, ['status', '--porcelain'], { quiet: true });
    if (!st.stdout.trim()) {
      await git.run(workspace, ['status', '--short', '--branch']);
      return { changed: false };
    }
    const message = `[skip ci] ${job.name} execution ${exec.id}`;
    const commit = await git.run(workspace, [
      '-c',
      `user.name=${cb.authorName}`,
      '-c',
      `user.email=${cb.authorEmail}`,
      'commit',
      '-q',
      '-m',
      message,
    ]);
    if (commit.code !== 0) return { changed: true, error: `commitBack: git commit failed: ${gitReason(commit)}` };
    const sha = (await git.run(workspace, ['rev-parse', 'HEAD'], { quiet: true })).stdout.trim();
    const pushed = await git.run(workspace, ['push', 'origin', `HEAD:refs/heads/${branch}`]);
    if (pushed.code !== 0) {
      return {
        changed: true,
        sha,
        branch,
        pushed: false,
        error: `commitBack: pushing ${sha.slice(0, 12)} to ${branch} was rejected: ${gitReason(pushed)}`,
      };
    }
    return { changed: true, sha, branch, pushed: true };
  }
}

/** The job's params as variables: strings as they are, other values as JSON. */
function paramEnv(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || v === undefined || v === null) continue;
    out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
