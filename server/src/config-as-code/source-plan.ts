import { CreateWebhookSourceDto } from '../webhooks/dto/webhook-source.dto.js';
import type { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { isPlainObject } from './config-file.js';
import { change, deletion, type Step, validateDto } from './plan-common.js';

export interface DesiredSource {
  provider: WebhookSource['provider'];
  repository: string | null;
  insecure: boolean;
  /** Run the jobs of the repository's CI file (signed sources only). */
  repoConfig: boolean;
  description: string;
  /** Plain text; undefined = keep the stored one. */
  secret?: string;
}

export type SourceStep = Step<DesiredSource, WebhookSource>;

/** `provider:owner/name`, or `provider:*` for the provider-wide source. */
export function sourceKey(provider: string, repository: string | null): string {
  return `${provider}:${repository ? repository.toLowerCase() : '*'}`;
}

/**
 * Plan the webhook sources (matched by provider + repository). `reveal` decrypts a stored secret
 * (in memory only) so that an unchanged secret is `unchanged`.
 */
export async function planSources(
  input: unknown[],
  stored: WebhookSource[],
  prune: boolean,
  reveal: (sealed: string | null) => string | null,
  errors: string[],
): Promise<SourceStep[]> {
  const steps: SourceStep[] = [];
  const seen = new Map<string, number>();
  for (const [i, entry] of input.entries()) {
    const path = `sources[${i}]`;
    if (!isPlainObject(entry)) {
      errors.push(`${path} must be a mapping (a webhook source)`);
      continue;
    }
    const dto = await validateDto(CreateWebhookSourceDto, entry, path, errors);
    if (!dto) continue;
    const repository = dto.repository?.trim() || null;
    const key = sourceKey(dto.provider, repository);
    const twin = seen.get(key);
    if (twin !== undefined) {
      errors.push(`${path}.repository ${key} is declared twice (also sources[${twin}])`);
      continue;
    }
    seen.set(key, i);
    const current = stored.find((s) => sourceKey(s.provider, s.repository) === key);
    const desired: DesiredSource = {
      provider: dto.provider,
      repository,
      insecure: dto.insecure ?? false,
      repoConfig: dto.repoConfig ?? false,
      description: dto.description ?? '',
      ...(dto.secret ? { secret: dto.secret } : {}),
    };
    if (!desired.secret && !current?.secret && !desired.insecure) {
      errors.push(`${path}.secret is required unless insecure is true (unsigned deliveries)`);
      continue;
    }
    if (desired.repoConfig && desired.insecure) {
      errors.push(`${path}.repoConfig needs insecure false: only signed pushes may run jobs from the repository`);
      continue;
    }
    const fields: string[] = [];
    if (current) {
      fields.push(
        ...(['repository', 'insecure', 'repoConfig', 'description'] as const).filter((f) => desired[f] !== current[f]),
      );
      if (desired.secret !== undefined && desired.secret !== reveal(current.secret)) fields.push('secret');
    }
    steps.push({ change: change('source', key, path, !!current, fields), desired, current });
  }
  if (prune) {
    for (const s of stored) {
      const key = sourceKey(s.provider, s.repository);
      if (!seen.has(key)) steps.push({ change: deletion('source', key), current: s });
    }
  }
  return steps;
}
