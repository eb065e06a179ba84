import type { CommandLog } from './command-log.js';
import { cutLine, runProcess } from './command-process.js';

export interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `https://user:pass@host/x.git` → `https://host/x.git` (what logs, rows and CI_REPO_URL show). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** Remote URLs a push payload may name (a configured URL may be anything git clones). */
export function isSafePayloadUrl(url: string): boolean {
  return /^(https?|ssh|git):\/\//i.test(url) && !/\s/.test(url);
}

/**
 * Runs git commands for one workspace, each in its own process group (git's helpers such as
 * `git-remote-http` included) that is killed as a whole when `signal` aborts (the run's timeout or a
 * cancel): never prompts, ignores the server user's git config, carries
 * the checkout token as an HTTP header through GIT_CONFIG_* variables (not argv, not the URL), and
 * logs each command and its output through the execution's log.
 */
export class Git {
  constructor(
    private readonly baseEnv: Record<string, string>,
    private readonly log: CommandLog,
    private readonly signal: AbortSignal,
    private readonly auth: { header: string | null; payloadUrl: boolean },
    private readonly user?: { uid: number; gid: number },
    private readonly killGraceMs = 2000,
  ) {}

  env(): Record<string, string> {
    const env: Record<string, string> = {
      ...this.baseEnv,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: '/bin/false',
      SSH_ASKPASS: '/bin/false',
    };
    const config: [string, string][] = [['credential.helper', '']];
    if (this.auth.header) config.push(['http.extraHeader', this.auth.header]);
    // As the scripts' user, a remote on this host (a path) belongs to someone else: let git read it.
    if (this.user) config.push(['safe.directory', '*']);
    env.GIT_CONFIG_COUNT = String(config.length);
    config.forEach(([k, v], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = k;
      env[`GIT_CONFIG_VALUE_${i}`] = v;
    });
    // A URL taken from a push payload may only use network transports (no ext::, no local paths).
    if (this.auth.payloadUrl) env.GIT_ALLOW_PROTOCOL = 'https:http:ssh:git';
    return env;
  }

  /** Run `git args` in cwd; its output is logged (masked) unless `quiet`. */
  run(cwd: string, args: string[], opts: { quiet?: boolean; show?: string } = {}): Promise<GitResult> {
    if (!opts.quiet) this.log.note('info', `$ git ${opts.show ?? args.join(' ')}`);
    const out = { stdout: [] as string[], stderr: [] as string[] };
    const sizes = { stdout: 0, stderr: 0 };
    return runProcess({
      argv: ['git', ...args],
      cwd,
      env: this.env(),
      // The run's deadline and cancel arrive through `signal`; this is only a backstop.
      timeoutMs: 24 * 3_600_000,
      killGraceMs: this.killGraceMs,
      signal: this.signal,
      user: this.user,
      onLine: (stream, line) => {
        if (sizes[stream] >= 1_000_000) return;
        const kept = cutLine(line);
        sizes[stream] += kept.length + 1;
        out[stream].push(kept);
      },
    }).then((r) => {
      const stdout = out.stdout.join('\n');
      const stderr =
        r.spawnError ?? (r.killed ? [...out.stderr, `git was stopped (${r.killed})`] : out.stderr).join('\n');
      const code = r.spawnError || r.killed ? null : r.exitCode;
      if (!opts.quiet) {
        for (const line of `${stdout}\n${stderr}`.split(/\r?\n|\r/)) {
          if (line.trim()) this.log.note(code === 0 ? 'info' : 'warn', line);
        }
      }
      return { code, stdout, stderr };
    });
  }
}

/** git's own explanation of a failure (rejected refs, errors, hints), on one line. */
export function gitReason(r: GitResult): string {
  const lines = r.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^(!|error:|fatal:|remote:|hint: Updates were rejected)/.test(l));
  return (lines.length ? lines : r.stderr.split(/\r?\n/).filter(Boolean).slice(-3)).join(' | ') || `exit ${r.code}`;
}
