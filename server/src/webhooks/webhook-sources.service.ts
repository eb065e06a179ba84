import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Page, PageQuery, WebhookSourceView } from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import { Repository } from 'typeorm';
import { SecretBox } from '../common/secret-box.js';
import { AppConfig } from '../config/app-config.js';
import type { ProviderName } from './push-event.js';
import type { CreateWebhookSourceDto, UpdateWebhookSourceDto } from './dto/webhook-source.dto.js';
import { WebhookSource } from './webhook-source.entity.js';
import { allSources, removeSource, saveSource, sourceById, sourcePage } from './webhooks.store.js';

/** A source with its secret decrypted, kept in memory only. */
export interface SourceSecret {
  id: string;
  /** Lower-cased owner/name, or null for the provider-wide source. */
  repository: string | null;
  secret: string | null;
  insecure: boolean;
  /** Read the CI file of pushed commits (only for deliveries signed with this source's secret). */
  repoConfig: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Other replicas see a changed source within this time (this replica at once). */
const CACHE_MS = 5000;

@Injectable()
export class WebhookSourcesService {
  private readonly logger = new Logger(WebhookSourcesService.name);
  private cache: { at: number; byProvider: Map<string, SourceSecret[]> } | null = null;
  private loading: Promise<Map<string, SourceSecret[]>> | null = null;

  constructor(
    @InjectRepository(WebhookSource) private readonly repo: Repository<WebhookSource>,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  /** By provider, repository (the provider-wide source first), id; keyset pages. */
  async list(q: PageQuery = {}): Promise<Page<WebhookSourceView>> {
    const limit = pageLimit(q);
    let after: { provider: string; repository: string; id: string } | null = null;
    if (q.cursor) {
      const [provider, repository, id] = decodePageCursor(q.cursor, 3);
      if (!UUID.test(id)) throw new BadRequestException(['cursor is not valid: pass nextCursor from a previous page']);
      after = { provider, repository, id };
    }
    const rows = await sourcePage(this.repo, after, limit + 1);
    return toPage(rows, limit, (r) => [r.provider, r.repository ?? '', r.id], toView);
  }

  async get(id: string): Promise<WebhookSourceView> {
    return toView(await this.find(id));
  }

  async create(dto: CreateWebhookSourceDto): Promise<WebhookSourceView> {
    const secret = dto.secret ? this.box.encrypt(dto.secret) : null;
    if (!secret && !dto.insecure) {
      throw new BadRequestException(['secret is required unless insecure is true (unsigned deliveries)']);
    }
    this.checkRepoConfig(dto.repoConfig ?? false, !!secret, dto.insecure ?? false);
    const saved = await saveSource(
      this.repo,
      this.repo.create({
        provider: dto.provider,
        repository: dto.repository?.trim() || null,
        secret,
        insecure: dto.insecure ?? false,
        repoConfig: dto.repoConfig ?? false,
        description: dto.description ?? '',
      }),
    );
    this.invalidate();
    return toView(saved);
  }

  async update(id: string, dto: UpdateWebhookSourceDto): Promise<WebhookSourceView> {
    const row = await this.find(id);
    if (dto.provider !== undefined) row.provider = dto.provider;
    if (dto.repository !== undefined) row.repository = dto.repository?.trim() || null;
    if (dto.secret !== undefined) row.secret = dto.secret ? this.box.encrypt(dto.secret) : null;
    if (dto.insecure !== undefined) row.insecure = dto.insecure;
    if (dto.description !== undefined) row.description = dto.description;
    if (dto.repoConfig !== undefined) row.repoConfig = dto.repoConfig;
    if (!row.secret && !row.insecure) {
      throw new BadRequestException(['secret is required unless insecure is true (unsigned deliveries)']);
    }
    this.checkRepoConfig(row.repoConfig, !!row.secret, row.insecure);
    const saved = await saveSource(this.repo, row);
    this.invalidate();
    return toView(saved);
  }

  async remove(id: string): Promise<void> {
    const row = await this.find(id);
    await removeSource(this.repo, row);
    this.invalidate();
  }

  /** Sources of one provider with decrypted secrets (cached; never leaves the process). */
  async forProvider(provider: ProviderName): Promise<SourceSecret[]> {
    if (this.cache && Date.now() - this.cache.at < CACHE_MS) return this.cache.byProvider.get(provider) ?? [];
    this.loading ??= this.load().finally(() => (this.loading = null));
    return (await this.loading).get(provider) ?? [];
  }

  invalidate(): void {
    this.cache = null;
  }

  private async load(): Promise<Map<string, SourceSecret[]>> {
    const rows = await allSources(this.repo);
    const byProvider = new Map<string, SourceSecret[]>();
    for (const r of rows) {
      let secret: string | null = null;
      if (r.secret) {
        try {
          secret = this.box.decrypt(r.secret);
        } catch (err) {
          this.logger.error(`Webhook source ${r.id}: ${(err as Error).message}`);
        }
      }
      const list = byProvider.get(r.provider) ?? [];
      list.push({
        id: r.id,
        repository: r.repository?.toLowerCase() ?? null,
        secret,
        insecure: r.insecure,
        repoConfig: r.repoConfig,
      });
      byProvider.set(r.provider, list);
    }
    // Repository-specific sources first: they are the likelier signer.
    for (const list of byProvider.values())
      list.sort((a, b) => Number(a.repository === null) - Number(b.repository === null));
    this.cache = { at: Date.now(), byProvider };
    return byProvider;
  }

  /** The repository's CI file runs code: only for signed deliveries, and only where command jobs may run. */
  private checkRepoConfig(repoConfig: boolean, hasSecret: boolean, insecure: boolean): void {
    if (!repoConfig) return;
    if (!hasSecret || insecure)
      throw new BadRequestException([
        'repoConfig needs a secret and insecure false: only signed pushes may run jobs from the repository',
      ]);
    if (!this.config.COMMAND_JOBS_ENABLED)
      throw new BadRequestException([
        'repoConfig runs command jobs: set COMMAND_JOBS_ENABLED=true on the server first',
      ]);
  }

  private async find(id: string): Promise<WebhookSource> {
    const row = await sourceById(this.repo, id);
    if (!row) throw new NotFoundException(`Webhook source ${id} not found`);
    return row;
  }
}

function toView(r: WebhookSource): WebhookSourceView {
  return {
    id: r.id,
    provider: r.provider,
    repository: r.repository,
    insecure: r.insecure,
    hasSecret: !!r.secret,
    repoConfig: r.repoConfig,
    description: r.description,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
