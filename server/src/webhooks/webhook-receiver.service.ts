import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { DeliveryRecorder, type RecordResult } from './delivery-recorder.service.js';
import { RepoConfigService } from './repo-config/repo-config.service.js';
import { ProviderFactory } from './providers/provider-factory.js';
import { header, type Headers, type WebhookProvider } from './providers/webhook-provider.js';
import { type NormalizedPush, PayloadError, type ProviderName } from './push-event.js';
import { signatureFailures } from './webhook-metrics.js';
import { type SourceSecret, WebhookSourcesService } from './webhook-sources.service.js';

export interface ReceiverReply {
  code: number;
  body: Record<string, unknown>;
}

type Auth =
  | { kind: 'signed'; source: SourceSecret | null }
  | { kind: 'unsigned'; sources: SourceSecret[] }
  | { kind: 'rejected'; reason: 'missing signature' | 'invalid signature' };

const PROVIDER_TITLES: Record<ProviderName, string> = { github: 'GitHub', gitlab: 'GitLab', gitea: 'Gitea/Forgejo' };

const OMITTED_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

function error(code: number, message: string): ReceiverReply {
  return { code, body: { status: 'error', message } };
}

/**
 * The receiver: provider from the headers → signature on the raw bytes (before any parsing) →
 * JSON → repository binding of the secret → evaluate → record with executions in one transaction.
 */
@Injectable()
export class WebhookReceiverService {
  private readonly logger = new Logger(WebhookReceiverService.name);

  constructor(
    private readonly providers: ProviderFactory,
    private readonly sources: WebhookSourcesService,
    private readonly recorder: DeliveryRecorder,
    private readonly config: AppConfig,
    private readonly repoConfig: RepoConfigService,
  ) {}

  /**
   * `only`: the provider a named path accepts (`/webhooks/github` and `/webhook` GitHub, `/webhooks/gitlab`
   * GitLab, `/webhooks/gitea` Gitea/Forgejo); another forge's delivery is refused with 400 before anything
   * is checked or stored. `/webhooks/receive` takes any provider.
   */
  async receive(headers: Headers, body: unknown, remote?: string, only?: ProviderName): Promise<ReceiverReply> {
    const provider = this.providers.detect(headers);
    if (!provider) {
      return error(400, 'Unknown webhook provider: expected an X-GitHub-Event, X-Gitlab-Event or X-Gitea-Event header');
    }
    if (only && provider.name !== only) {
      return error(
        400,
        `This path accepts ${PROVIDER_TITLES[only]} deliveries only; this is a ${PROVIDER_TITLES[provider.name]} delivery ` +
          `(send it to /api/v1/webhooks/${provider.name} or /api/v1/webhooks/receive)`,
      );
    }
    const raw = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
    const deliveryKey = provider.deliveryKey(headers);
    const auth = await this.authenticate(provider, raw, headers);
    if (auth.kind === 'rejected') return this.reject(provider, deliveryKey, auth.reason, remote);

    const payload = parsePayload(raw, header(headers, 'content-type'));
    if (payload === undefined) return error(400, 'Invalid JSON payload');
    const event = provider.event(headers);
    const repository = repositoryOf(payload);

    // Bind the secret to its repository: a repository with a source of its own accepts only that secret.
    const all = await this.sources.forProvider(provider.name);
    const repo = repository?.toLowerCase() ?? null;
    if (auth.kind === 'unsigned') {
      const ok = auth.sources.some(
        (s) =>
          s.insecure &&
          (s.repository === repo ||
            (s.repository === null && !all.some((x) => x.repository === repo && repo !== null))),
      );
      if (!ok) return this.reject(provider, deliveryKey, 'missing signature', remote);
    } else if (auth.source?.repository) {
      if (repo !== auth.source.repository)
        return this.reject(
          provider,
          deliveryKey,
          'invalid signature',
          remote,
          'signed with the secret of another repository',
        );
    } else if (repo && all.some((s) => s.repository === repo)) {
      return this.reject(
        provider,
        deliveryKey,
        'invalid signature',
        remote,
        `${repository} has a webhook source of its own`,
      );
    }

    let push: NormalizedPush | null = null;
    if (event === 'push') {
      try {
        push = provider.parsePush(payload, event);
      } catch (err) {
        if (err instanceof PayloadError) return error(400, `Invalid push payload: ${err.message}`);
        throw err;
      }
    }
    let evaluation = await this.recorder.evaluate(event, push);
    // The repository's CI file (signed sources that opted in): read before the delivery's transaction.
    if (auth.kind === 'signed') evaluation = (await this.repoConfig.apply(auth.source, push, evaluation)) ?? evaluation;
    const result: RecordResult = await this.recorder.record({
      provider: provider.name,
      deliveryKey: deliveryKey ?? `generated-${randomUUID()}`,
      headers: maskHeaders(headers, provider),
      push,
      repository: push?.repository ?? repository,
      sourceId: auth.kind === 'signed' ? (auth.source?.id ?? null) : null,
      evaluation,
    });
    return { code: result.code, body: result.body as unknown as Record<string, unknown> };
  }

  private async authenticate(provider: WebhookProvider, raw: Buffer, headers: Headers): Promise<Auth> {
    const sources = await this.sources.forProvider(provider.name);
    if (provider.isSigned(headers)) {
      for (const s of sources)
        if (s.secret && provider.verify(raw, headers, s.secret)) return { kind: 'signed', source: s };
      const fallback = this.config.WEBHOOK_SECRET;
      if (fallback && provider.verify(raw, headers, fallback)) return { kind: 'signed', source: null };
      return { kind: 'rejected', reason: 'invalid signature' };
    }
    const insecure = sources.filter((s) => s.insecure);
    return insecure.length
      ? { kind: 'unsigned', sources: insecure }
      : { kind: 'rejected', reason: 'missing signature' };
  }

  private reject(
    provider: WebhookProvider,
    key: string | null,
    reason: 'missing signature' | 'invalid signature',
    remote?: string,
    detail?: string,
  ): ReceiverReply {
    signatureFailures.inc({ provider: provider.name, reason });
    this.logger.warn(
      { provider: provider.name, delivery: key, remote, reason, detail },
      `Rejected ${provider.name} delivery ${key ?? '(no id)'}: ${reason}${detail ? ` (${detail})` : ''}`,
    );
    return error(401, reason === 'missing signature' ? 'Missing signature' : 'Invalid signature');
  }
}

/** JSON body, or GitHub's form encoding (`payload=<json>`); undefined when not parseable. */
export function parsePayload(raw: Buffer, contentType: string | undefined): unknown {
  try {
    let text = raw.toString('utf8');
    if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      text = new URLSearchParams(text).get('payload') ?? '';
    }
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? value : undefined;
  } catch {
    return undefined;
  }
}

function repositoryOf(payload: unknown): string | null {
  const p = payload as { repository?: { full_name?: unknown }; project?: { path_with_namespace?: unknown } } | null;
  const name = p?.repository?.full_name ?? p?.project?.path_with_namespace;
  return typeof name === 'string' && name ? name : null;
}

export function maskHeaders(headers: Headers, provider: WebhookProvider): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const key = k.toLowerCase();
    if (v === undefined || OMITTED_HEADERS.has(key)) continue;
    const value = Array.isArray(v) ? v.join(', ') : v;
    if (provider.credentialHeaders.includes(key)) out[key] = value.startsWith('sha256=') ? 'sha256=***' : '***';
    else out[key] = value.length > 500 ? value.slice(0, 500) + '…' : value;
  }
  return out;
}
