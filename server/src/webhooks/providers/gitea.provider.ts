import { verifyHmacSha256 } from '../signature.js';
import { str, type NormalizedPush } from '../push-event.js';
import { parseGithubLikePush } from './github.provider.js';
import { header, type Headers, type WebhookProvider } from './webhook-provider.js';

/**
 * Gitea and Forgejo: `X-Gitea-Event` / `X-Forgejo-Event`, `X-Gitea-Delivery`, and an HMAC-SHA256 hex
 * signature in `X-Gitea-Signature` / `X-Forgejo-Signature` (newer versions also send GitHub's
 * `X-Hub-Signature-256`). Gitea also sends `X-GitHub-Event` for compatibility, so the factory asks
 * this provider first.
 */
export class GiteaProvider implements WebhookProvider {
  readonly name = 'gitea' as const;
  readonly eventHeader = 'x-gitea-event';
  readonly credentialHeaders = [
    'x-gitea-signature',
    'x-forgejo-signature',
    'x-gogs-signature',
    'x-hub-signature-256',
    'x-hub-signature',
  ];

  detects(headers: Headers): boolean {
    return header(headers, 'x-gitea-event') !== undefined || header(headers, 'x-forgejo-event') !== undefined;
  }

  event(headers: Headers): string {
    return (header(headers, 'x-forgejo-event') ?? header(headers, 'x-gitea-event') ?? '').trim().toLowerCase();
  }

  deliveryKey(headers: Headers): string | null {
    return str((header(headers, 'x-forgejo-delivery') ?? header(headers, 'x-gitea-delivery'))?.trim());
  }

  private signature(headers: Headers): { value: string | undefined; prefix: string } {
    const plain = header(headers, 'x-forgejo-signature') ?? header(headers, 'x-gitea-signature');
    if (plain) return { value: plain, prefix: '' };
    return { value: header(headers, 'x-hub-signature-256'), prefix: 'sha256=' };
  }

  isSigned(headers: Headers): boolean {
    return !!this.signature(headers).value;
  }

  verify(raw: Buffer, headers: Headers, secret: string): boolean {
    const { value, prefix } = this.signature(headers);
    return verifyHmacSha256(secret, raw, value, prefix);
  }

  parsePush(payload: unknown): NormalizedPush {
    return parseGithubLikePush(payload, 'gitea');
  }
}
