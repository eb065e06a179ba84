import { createHmac, randomUUID } from 'node:crypto';
import type { WebhookReceiveResponse } from '@api-manager/contracts';

export const WEBHOOK_TEST_SECRET = 'webhook-test-secret';

export function sign(body: string | Buffer, secret = WEBHOOK_TEST_SECRET): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

export interface Delivery {
  status: number;
  /** The receiver's JSON answer (an error answer has `message`). */
  body: WebhookReceiveResponse;
}

/** POST a GitHub delivery (signed with `secret` unless `signature` is given or null). */
export async function deliver(
  baseUrl: string,
  payload: unknown,
  opts: {
    event?: string;
    id?: string;
    secret?: string;
    signature?: string | null;
    path?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<Delivery> {
  const raw = typeof payload === 'string' || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': opts.event ?? 'push',
    'x-github-delivery': opts.id ?? randomUUID(),
    ...(opts.headers ?? {}),
  };
  const signature = opts.signature === undefined ? sign(raw, opts.secret) : opts.signature;
  if (signature !== null) headers['x-hub-signature-256'] = signature;
  const res = await fetch(baseUrl + (opts.path ?? '/api/v1/webhooks/github'), {
    method: 'POST',
    headers,
    body: typeof raw === 'string' ? raw : new Uint8Array(raw),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: body as WebhookReceiveResponse };
}

export interface CommitSpec {
  message?: string;
  added?: string[];
  removed?: string[];
  modified?: string[];
}

let sha = 0;
export const nextSha = () => (++sha).toString(16).padStart(40, 'a');

/** One commit of a push payload. */
export interface PushCommit {
  id: string;
  message: string;
  added: string[];
  removed: string[];
  modified: string[];
  [field: string]: unknown;
}

/** A GitHub push payload as githubPush builds it: tests read these fields, and may add or delete others. */
export interface PushPayload {
  ref: string;
  before: string;
  after: string;
  repository: { full_name: string; [field: string]: unknown };
  commits: PushCommit[];
  head_commit: PushCommit | null;
  [field: string]: unknown;
}

/** A push payload shaped like GitHub's (the fields GitHub sends, trimmed of URLs). */
export function githubPush(
  opts: {
    repository?: string;
    ref?: string;
    commits?: CommitSpec[];
    created?: boolean;
    deleted?: boolean;
    forced?: boolean;
    before?: string;
    after?: string;
  } = {},
): PushPayload {
  const repository = opts.repository ?? 'org/repo';
  const [owner, name] = repository.split('/');
  const commits = (opts.commits ?? [{ message: 'change', modified: ['README.md'] }]).map((c) => ({
    id: nextSha(),
    tree_id: nextSha(),
    distinct: true,
    message: c.message ?? 'change',
    timestamp: '2026-03-01T10:00:00+09:00',
    url: `https://github.com/${repository}/commit/x`,
    author: { name: 'Dev', email: 'dev@example.com', username: 'dev' },
    committer: { name: 'Dev', email: 'dev@example.com', username: 'dev' },
    added: c.added ?? [],
    removed: c.removed ?? [],
    modified: c.modified ?? [],
  }));
  const after = opts.after ?? (opts.deleted ? '0'.repeat(40) : (commits.at(-1)?.id ?? nextSha()));
  return {
    ref: opts.ref ?? 'refs/heads/main',
    before: opts.before ?? (opts.created ? '0'.repeat(40) : nextSha()),
    after,
    repository: {
      id: 1296269,
      name,
      full_name: repository,
      private: false,
      owner: { name: owner, login: owner },
      default_branch: 'main',
    },
    pusher: { name: 'dev', email: 'dev@example.com' },
    sender: { login: 'dev', id: 1 },
    created: opts.created ?? false,
    deleted: opts.deleted ?? false,
    forced: opts.forced ?? false,
    base_ref: null,
    compare: `https://github.com/${repository}/compare/x...y`,
    commits,
    head_commit: commits.at(-1) ?? null,
  };
}
