import { constantTimeEqual } from '../signature.js';
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

const EVENTS: Record<string, string> = { 'push hook': 'push', 'tag push hook': 'push' };

/**
 * GitLab: `X-Gitlab-Event: Push Hook | Tag Push Hook`, the secret token sent as is in
 * `X-Gitlab-Token` (compared in constant time), `Idempotency-Key` (stable across retries, GitLab
 * 17.4+) or `X-Gitlab-Event-UUID` as the delivery id. Payloads list at most 20 commits and say how
 * many there were in `total_commits_count`.
 */
export class GitlabProvider implements WebhookProvider {
  readonly name = 'gitlab' as const;
  readonly eventHeader = 'x-gitlab-event';
  readonly credentialHeaders = ['x-gitlab-token'];

  detects(headers: Headers): boolean {
    return header(headers, 'x-gitlab-event') !== undefined;
  }

  event(headers: Headers): string {
    const raw = (header(headers, 'x-gitlab-event') ?? '').trim().toLowerCase();
    return EVENTS[raw] ?? raw;
  }

  deliveryKey(headers: Headers): string | null {
    return str((header(headers, 'idempotency-key') ?? header(headers, 'x-gitlab-event-uuid'))?.trim());
  }

  isSigned(headers: Headers): boolean {
    return !!header(headers, 'x-gitlab-token');
  }

  verify(_raw: Buffer, headers: Headers, secret: string): boolean {
    const token = header(headers, 'x-gitlab-token');
    return !!token && !!secret && constantTimeEqual(token, secret);
  }

  parsePush(payload: unknown): NormalizedPush {
    const p = asObject(payload, 'payload');
    const ref = str(p.ref);
    if (!ref) throw new PayloadError('push payload has no "ref"');
    const project: unknown = p.project && typeof p.project === 'object' ? p.project : {};
    const repository = str(field(project, 'path_with_namespace')) ?? str(field(p.repository, 'path_with_namespace'));
    if (!repository) throw new PayloadError('push payload has no "project.path_with_namespace"');
    const before = str(p.before);
    const after = str(p.after);
    const commits = parseCommits(p.commits);
    const headId = str(p.checkout_sha) ?? after;
    const head = commits.find((c) => c.id === headId) ?? commits[commits.length - 1];
    return {
      provider: 'gitlab',
      repository,
      ref,
      ...splitRef(ref),
      before,
      after,
      created: isZeroSha(before),
      deleted: isZeroSha(after),
      forced: false,
      headCommit: head ? { id: head.id, message: head.message, author: str(p.user_username) } : null,
      commits,
      totalCommits: typeof p.total_commits_count === 'number' ? p.total_commits_count : null,
      compareUrl: null,
      ...(str(field(project, 'git_http_url')) ? { cloneUrl: str(field(project, 'git_http_url')) } : {}),
      pusher: str(p.user_username) ?? str(p.user_name),
    };
  }
}
