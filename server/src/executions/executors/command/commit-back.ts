import { type Git, gitReason } from '../git-workspace.js';

export interface CommitBackResult {
  changed: boolean;
  sha?: string;
  branch?: string;
  pushed?: boolean;
  error?: string;
}

/** Step 4 (commit-back): commit what the script changed with `[skip ci]` and push it to the branch. */
export async function commitBack(
  git: Git,
  workspace: string,
  cb: { authorName: string; authorEmail: string },
  message: string,
  branch: string | null,
): Promise<CommitBackResult> {
  if (!branch) return { changed: false, error: 'commitBack: the checkout is not on a branch; nothing was pushed' };
  const add = await git.run(workspace, ['add', '-A']);
  if (add.code !== 0) return { changed: false, error: `commitBack: git add failed: ${gitReason(add)}` };
  const st = await git.run(workspace, ['status', '--porcelain'], { quiet: true });
  if (!st.stdout.trim()) {
    await git.run(workspace, ['status', '--short', '--branch']);
    return { changed: false };
  }
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
