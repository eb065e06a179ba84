import type { Execution } from '../../execution.entity.js';

export interface PushInfo {
  repository: string | null;
  cloneUrl: string | null;
  branch: string | null;
  after: string | null;
  changedFiles: string[];
  context: Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/**
 * The push the execution was made for, as stored with it (webhook runs: the delivery's push summary, clone
 * URL and changed files included, written by the delivery recorder; chain steps and fan-out children: their
 * parent's). The executions module does not read the webhooks module's tables.
 */
export function pushOf(exec: Execution): PushInfo | null {
  const p = exec.push;
  if (!p) return null;
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
