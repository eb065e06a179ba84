import { verifyHmacSha256 } from '../signature.js';
import {
  asObject,
  field,
  isZeroSha,
  type NormalizedPush,
  parseCommits,
  PayloadError,
  splitRef,
  str,
} from '../push-event.js';
import { header, type Headers, type WebhookProvider } from './webhook-provider.js';

/** GitHub: `X-GitHub-Event`, `X-GitHub-Delivery`, `X-Hub-Signature-256: sha256=<hmac hex>`. */
export class GithubProvider implements WebhookProvider {
  readonly name = 'github' as const;
  readonly eventHeader = 'x-github-event';
  readonly credentialHeaders = ['x-hub-signature-256', 'x-hub-signature'];

  detects(headers: Headers): boolean {
    return header(headers, 'x-github-event') !== undefined;
  }

  event(headers: Headers): string {
    return (header(headers, 'x-github-event') ?? '').trim().toLowerCase();
  }

  deliveryKey(headers: Headers): string | null {
    return str(header(headers, 'x-github-delivery')?.trim());
  }

  isSigned(headers: Headers): boolean {
    return !!header(headers, 'x-hub-signature-256');
  }

  verify(raw: Buffer, headers: Headers, secret: string): boolean {
    return verifyHmacSha256(secret, raw, header(headers, 'x-hub-signature-256'), 'sha256=');
  }

  parsePush(payload: unknown): NormalizedPush {
    return parseGithubLikePush(payload, 'github');
  }
}

/** GitHub's push payload; Gitea/Forgejo send the same shape (minus created/deleted/forced). */
export function parseGithubLikePush(payload: unknown, provider: 'github' | 'gitea'): NormalizedPush {
  const p = asObject(payload, 'payload');
  const ref = str(p.ref);
  if (!ref) throw new PayloadError('push payload has no "ref"');
  const repo = asObject(p.repository, 'repository');
  const repository =
    str(repo.full_name) ??
    (str(field(repo.owner, 'login')) && str(repo.name) ? `${str(field(repo.owner, 'login'))}/${str(repo.name)}` : null);
  if (!repository) throw new PayloadError('push payload has no "repository.full_name"');
  const before = str(p.before);
  const after = str(p.after);
  const commits = parseCommits(p.commits);
  const head: unknown =
    p.head_commit && typeof p.head_commit === 'object'
      ? p.head_commit
      : commits.length
        ? (p.commits as unknown[])[commits.length - 1]
        : null;
  return {
    provider,
    repository,
    ref,
    ...splitRef(ref),
    before,
    after,
    created: p.created === true || (p.created === undefined && isZeroSha(before)),
    deleted: p.deleted === true || (p.deleted === undefined && isZeroSha(after)),
    forced: p.forced === true,
    headCommit: head
      ? {
          id: str(field(head, 'id')) ?? after ?? '',
          message: typeof field(head, 'message') === 'string' ? (field(head, 'message') as string) : '',
          author: str(field(field(head, 'author'), 'username')) ?? str(field(field(head, 'author'), 'name')) ?? null,
        }
      : null,
    commits,
    totalCommits: typeof p.total_commits === 'number' ? p.total_commits : null,
    compareUrl: str(p.compare) ?? str(p.compare_url),
    ...(str(repo.clone_url) ? { cloneUrl: str(repo.clone_url) } : {}),
    pusher: str(field(p.pusher, 'name')) ?? str(field(p.pusher, 'login')) ?? str(field(p.pusher, 'username')) ?? null,
  };
}
