import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Git, gitReason, isSafePayloadUrl, redactUrl } from '../git-workspace.js';
import { SetupError } from './outcome.js';
import type { PushInfo } from './push-info.js';

export interface CheckoutConfig {
  url?: string | null;
  ref?: string | null;
  depth?: number | null;
}

/**
 * Step 2 (checkout): fetch and check out the pushed commit (by sha), else `checkout.ref`, else the
 * remote's default branch, into `workspace`. Returns the redacted URL, the commit and the branch.
 */
export async function checkout(
  git: Git,
  workspace: string,
  c: CheckoutConfig,
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
  if (push && fromPush) {
    branch = push.branch;
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
    const asBranch = await git.run(workspace, ['fetch', '-q', '--no-tags', ...depth, 'origin', `refs/heads/${target}`]);
    if (asBranch.code === 0) branch = target;
    else await must(['fetch', '-q', '--no-tags', ...depth, 'origin', target], `fetching ${target}`);
    await must(['checkout', '-q', ...(branch ? ['-B', branch] : ['--detach']), 'FETCH_HEAD'], `checking out ${target}`);
  }
  const head = await must(['rev-parse', 'HEAD'], 'git rev-parse');
  const sha = head.stdout.trim();
  return { url: shown, sha, branch };
}

/** The script's working directory: `wd` inside the workspace (no absolute path, no link out of it). */
export async function workingDirectory(workspace: string, wd: string | null): Promise<string> {
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
