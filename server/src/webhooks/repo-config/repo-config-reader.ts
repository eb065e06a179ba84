import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  REPO_CONFIG_FILES,
  REPO_CONFIG_MAX_BYTES,
  RepoConfigError,
  type RepoConfigFileName,
} from './repo-config-file.js';

interface GitResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Reads the CI file of one pushed commit: `git fetch --depth=1 <url> <sha>` into an empty bare
 * repository (falling back to the branch when the server refuses a fetch by commit id), then
 * `git cat-file` of `.api-manager.yaml` / `.toyci.yaml` at that commit. Nothing is checked out and
 * nothing runs; the whole read shares one deadline. git never prompts, ignores the server user's
 * config, and may use only network transports for a URL taken from a push payload.
 */
export class RepoConfigReader {
  constructor(
    private readonly baseEnv: Record<string, string>,
    private readonly timeoutMs: number,
    /** Sent as `Authorization: Basic x-access-token:<token>` (never in the URL or argv). */
    private readonly token: string | null = null,
  ) {}

  async read(
    cloneUrl: string,
    sha: string,
    branch: string | null,
  ): Promise<{ file: RepoConfigFileName; text: string } | null> {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
      throw new RepoConfigError(`the pushed commit ${sha} is not a commit id`);
    if (!/^(https?|ssh|git):\/\//i.test(cloneUrl) || /\s/.test(cloneUrl))
      throw new RepoConfigError('the push names a clone URL git may not use here');
    const deadline = Date.now() + this.timeoutMs;
    const dir = await mkdtemp(path.join(tmpdir(), 'apm-repo-config-'));
    try {
      const git = (args: string[]) => this.git(dir, args, deadline);
      await this.must(await git(['init', '-q', '--bare']), 'git init');
      const bySha = await git(['fetch', '-q', '--no-tags', '--depth=1', cloneUrl, sha]);
      if (bySha.code !== 0) {
        if (bySha.timedOut || !branch) this.fail(bySha, `fetching ${sha.slice(0, 12)}`);
        await this.must(
          await git(['fetch', '-q', '--no-tags', '--depth=50', cloneUrl, `refs/heads/${branch}`]),
          `fetching branch ${branch}`,
        );
      }
      for (const file of REPO_CONFIG_FILES) {
        const size = await git(['cat-file', '-s', `${sha}:${file}`]);
        if (size.timedOut) this.fail(size, 'reading the file');
        if (size.code !== 0) continue; // not in this commit
        const bytes = Number(size.stdout.trim());
        if (bytes > REPO_CONFIG_MAX_BYTES)
          throw new RepoConfigError(`${file} is ${bytes} bytes; at most ${REPO_CONFIG_MAX_BYTES} are read`);
        const blob = await git(['cat-file', 'blob', `${sha}:${file}`]);
        await this.must(blob, `reading ${file}`);
        return { file, text: blob.stdout };
      }
      return null;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private async must(r: GitResult, what: string): Promise<void> {
    if (r.code !== 0) this.fail(r, what);
  }

  private fail(r: GitResult, what: string): never {
    if (r.timedOut) throw new RepoConfigError(`${what} took longer than ${this.timeoutMs} ms`);
    const reason = r.stderr
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(-2)
      .join(' | ');
    throw new RepoConfigError(`${what} failed: ${reason || `exit ${r.code}`}`);
  }

  private git(cwd: string, args: string[], deadline: number): Promise<GitResult> {
    const timeout = Math.max(1, deadline - Date.now());
    const env: Record<string, string> = {
      ...this.baseEnv,
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_ASKPASS: '/bin/false',
      SSH_ASKPASS: '/bin/false',
      GIT_ALLOW_PROTOCOL: 'https:http:ssh:git',
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'credential.helper',
      GIT_CONFIG_VALUE_0: '',
    };
    if (this.token) {
      const basic = Buffer.from(`x-access-token:${this.token}`).toString('base64');
      Object.assign(env, {
        GIT_CONFIG_COUNT: '2',
        GIT_CONFIG_KEY_1: 'http.extraHeader',
        GIT_CONFIG_VALUE_1: `Authorization: Basic ${basic}`,
      });
    }
    return new Promise((resolve) => {
      // Its own process group, so that a timeout also kills git's transport helpers (git-remote-http, ssh).
      const child = spawn('git', args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, timeout);
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (stdout.length <= REPO_CONFIG_MAX_BYTES * 2) stdout += d;
      });
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        if (stderr.length < 100_000) stderr += d;
      });
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ code: null, stdout, stderr: err.message, timedOut });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: timedOut ? null : code, stdout, stderr, timedOut });
      });
    });
  }
}
