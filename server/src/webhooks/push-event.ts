import type { WebhookProviderName } from '@api-manager/contracts';

/** Provider-neutral view of a push, built by each provider from its payload. */
export type ProviderName = WebhookProviderName;

export interface PushCommit {
  id: string;
  message: string;
  added: string[];
  removed: string[];
  modified: string[];
  /**
   * False when the commit has none of the added/removed/modified arrays (Gitea's documented example
   * payload): its files are unknown, not "none".
   */
  filesListed?: boolean;
}

export interface NormalizedPush {
  provider: ProviderName;
  /** owner/name as the provider spells it. */
  repository: string;
  ref: string;
  /** Set for refs/heads/* pushes. */
  branch: string | null;
  /** Set for refs/tags/* pushes. */
  tag: string | null;
  before: string | null;
  after: string | null;
  created: boolean;
  deleted: boolean;
  forced: boolean;
  headCommit: { id: string; message: string; author: string | null } | null;
  commits: PushCommit[];
  /** When the provider says how many commits the push had (GitLab lists at most 20). */
  totalCommits: number | null;
  compareUrl: string | null;
  /** The repository's clone URL from the payload (command jobs' checkout). */
  cloneUrl?: string | null;
  pusher: string | null;
}

/** A payload that is valid JSON but not a usable push: answered 400 with this message. */
export class PayloadError extends Error {
  override name = 'PayloadError';
}

const ZERO_SHA = /^0+$/;

export function isZeroSha(sha: unknown): boolean {
  return typeof sha === 'string' && ZERO_SHA.test(sha);
}

export function str(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function strList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.length > 0) : [];
}

export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new PayloadError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

/** `value?.[key]` of a payload value of unknown shape (undefined unless `value` is an object). */
export function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

export function splitRef(ref: string): { branch: string | null; tag: string | null } {
  if (ref.startsWith('refs/heads/')) return { branch: ref.slice('refs/heads/'.length), tag: null };
  if (ref.startsWith('refs/tags/')) return { branch: null, tag: ref.slice('refs/tags/'.length) };
  return { branch: null, tag: null };
}

export function parseCommits(value: unknown): PushCommit[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new PayloadError('commits must be an array');
  return value.map((c, i) => {
    const o = asObject(c, `commits[${i}]`);
    return {
      id: str(o.id) ?? '',
      message: typeof o.message === 'string' ? o.message : '',
      added: strList(o.added),
      removed: strList(o.removed),
      modified: strList(o.modified),
      filesListed: Array.isArray(o.added) || Array.isArray(o.removed) || Array.isArray(o.modified),
    };
  });
}
