import { MAX_PATH_BYTES } from './matcher.js';
import type { NormalizedPush } from './push-event.js';

/** GitHub lists at most 2,048 commits in a push payload… */
export const MAX_LISTED_COMMITS = 2048;
/** …and at most 3,000 files per commit. */
export const MAX_LISTED_FILES = 3000;

export interface ChangedFiles {
  /** Union of added, modified and removed paths over every listed commit, sorted. */
  files: string[];
  /**
   * Why the list cannot be trusted to be complete (every watched job of the repository then
   * matches, as GitHub Actions runs when its diff is incomplete), or null.
   */
  untrustedReason: string | null;
}

/**
 * Changed files of a push. A rename appears as the old path removed and the new path added, so both
 * paths count. A forced push is never trusted: files touched only by the commits it dropped are in
 * no listed commit, yet they changed relative to `before`.
 */
export function changedFiles(push: NormalizedPush): ChangedFiles {
  const set = new Set<string>();
  let bigCommit: string | null = null;
  let unlisted: string | null = null;
  for (const c of push.commits) {
    if (c.filesListed === false && unlisted === null) unlisted = c.id;
    for (const f of c.added) set.add(f);
    for (const f of c.removed) set.add(f);
    for (const f of c.modified) set.add(f);
    if (!bigCommit && c.added.length + c.removed.length + c.modified.length >= MAX_LISTED_FILES) bigCommit = c.id;
  }
  const files = [...set].sort();
  const long = files.find((f) => f.length > MAX_PATH_BYTES / 3 && Buffer.byteLength(f) > MAX_PATH_BYTES);
  let reason: string | null = null;
  if (unlisted !== null) {
    reason = `commit ${unlisted.slice(0, 12) || '(no id)'} has no added/modified/removed lists: the changed files are unknown`;
  } else if (long !== undefined) {
    reason = `a changed path is longer than ${MAX_PATH_BYTES} bytes (${long.slice(0, 60)}…): the diff counts as incomplete`;
  } else if (push.commits.length >= MAX_LISTED_COMMITS) {
    reason = `the payload lists ${push.commits.length} commits (the provider's cap is ${MAX_LISTED_COMMITS}): the list may be truncated`;
  } else if (push.totalCommits !== null && push.totalCommits > push.commits.length) {
    reason = `the payload lists ${push.commits.length} of ${push.totalCommits} commits`;
  } else if (bigCommit) {
    reason = `commit ${bigCommit.slice(0, 12)} lists ${MAX_LISTED_FILES} or more files: the file list may be truncated`;
  } else if (push.forced) {
    reason = 'forced push: files changed by the rewritten commits are not listed';
  } else if (push.commits.length === 0 && !push.deleted) {
    reason = push.created ? 'new branch or tag with no commit list' : 'the ref moved but the payload lists no commits';
  }
  return { files, untrustedReason: reason };
}
