import { BadRequestException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { NotificationChannelView, NotificationTestResult, Page, PageQuery } from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import { Repository } from 'typeorm';
import { SecretBox, SecretBoxError } from '../common/secret-box.js';
import { AppConfig } from '../config/app-config.js';
import type { CreateNotificationChannelDto, UpdateNotificationChannelDto } from './dto/channel.dto.js';
import { ChannelSender, type ChannelTarget } from './channel-sender.js';
import { testMessage } from './message.js';
import { selectChannelsPage } from './notifications.store.js';
import { NotificationChannel } from './notification-channel.entity.js';

/** Channels CRUD. URLs and signing secrets are encrypted at rest and never returned (only a hint). */
@Injectable()
export class ChannelsService {
  private readonly logger = new Logger(ChannelsService.name);

  constructor(
    @InjectRepository(NotificationChannel) private readonly repo: Repository<NotificationChannel>,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly sender: ChannelSender,
  ) {}

  /** By name (unique), keyset pages. */
  async list(q: PageQuery = {}): Promise<Page<NotificationChannelView>> {
    const limit = pageLimit(q);
    const rows = await selectChannelsPage(this.repo, q.cursor ? decodePageCursor(q.cursor, 1)[0]! : null, limit + 1);
    return toPage(rows, limit, (r) => [r.name], toView);
  }

  async create(dto: CreateNotificationChannelDto): Promise<NotificationChannelView> {
    const row = this.repo.create({
      name: dto.name,
      type: dto.type,
      enabled: dto.enabled ?? true,
      description: dto.description ?? '',
      recipients: dto.recipients ?? [],
      rateLimitPerMinute: dto.rateLimitPerMinute ?? 20,
      url: null,
      urlHint: null,
      secret: null,
    });
    this.apply(row, dto);
    return toView(await this.repo.save(row));
  }

  async update(id: string, dto: UpdateNotificationChannelDto): Promise<NotificationChannelView> {
    const row = await this.find(id);
    // A new type drops what only the old one used (unless given again).
    if (dto.type !== undefined && dto.type !== row.type) {
      if (dto.type !== 'webhook') row.secret = null;
      if (dto.type === 'email') Object.assign(row, { url: null, urlHint: null });
      else if (dto.recipients === undefined) row.recipients = [];
    }
    for (const key of ['name', 'type', 'enabled', 'description', 'recipients', 'rateLimitPerMinute'] as const) {
      if (dto[key] !== undefined) (row as unknown as Record<string, unknown>)[key] = dto[key];
    }
    this.apply(row, dto);
    return toView(await this.repo.save(row));
  }

  async remove(id: string): Promise<void> {
    await this.repo.remove(await this.find(id));
  }

  /** Send a test message now (not recorded on any execution). */
  async test(id: string): Promise<NotificationTestResult> {
    let target: ChannelTarget;
    try {
      target = this.target(await this.find(id));
    } catch (err) {
      if (err instanceof SecretBoxError) return { ok: false, status: null, error: err.message };
      throw err;
    }
    const result = await this.sender.send(
      target,
      testMessage(target.name, this.config.PUBLIC_URL),
      `test_${Date.now()}`,
    );
    if (!result.ok) this.logger.warn(`Test of channel ${target.name} failed: ${result.error}`);
    return result;
  }

  /** The channel with its URL and secret decrypted (in memory only), or null when it does not exist. */
  async targetById(id: string): Promise<ChannelTarget | null> {
    const row = await this.repo.findOne({ where: { id } });
    return row ? this.target(row) : null;
  }

  private target(row: NotificationChannel): ChannelTarget {
    return {
      id: row.id,
      name: row.name,
      type: row.type,
      url: row.url ? this.box.decrypt(row.url) : null,
      secret: row.secret ? this.box.decrypt(row.secret) : null,
      recipients: row.recipients,
    };
  }

  /** Encrypt new secrets and check the fields the type needs (400 with every problem). */
  private apply(row: NotificationChannel, dto: UpdateNotificationChannelDto): void {
    if (dto.url !== undefined) {
      row.url = dto.url ? this.box.encrypt(dto.url) : null;
      row.urlHint = dto.url ? hintOf(dto.url) : null;
    }
    if (dto.secret !== undefined) row.secret = dto.secret ? this.box.encrypt(dto.secret) : null;
    const errors: string[] = [];
    if (row.type === 'email') {
      if (!this.config.SMTP_HOST)
        errors.push('email channels need SMTP_HOST (and SMTP_FROM) in the server configuration');
      if (!row.recipients.length) errors.push('recipients must list at least one email address for an email channel');
      if (row.url) errors.push('url is not used by email channels');
    } else {
      if (!row.url) errors.push(`url is required for a ${row.type} channel`);
      if (row.recipients.length) errors.push(`recipients are only used by email channels`);
    }
    if (row.type === 'webhook' && !row.secret) errors.push('secret (whsec_<base64>) is required for a webhook channel');
    if (row.type !== 'webhook' && row.secret) errors.push('secret is only used by webhook channels');
    if (errors.length) throw new BadRequestException(errors);
  }

  private async find(id: string): Promise<NotificationChannel> {
    const row = await this.repo.findOne({ where: { id } });
    if (!row) throw new NotFoundException(`Notification channel ${id} not found`);
    return row;
  }
}

function hintOf(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}/…`;
}

function toView(r: NotificationChannel): NotificationChannelView {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    enabled: r.enabled,
    description: r.description,
    urlHint: r.urlHint,
    hasUrl: !!r.url,
    hasSecret: !!r.secret,
    recipients: r.recipients,
    rateLimitPerMinute: r.rateLimitPerMinute,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
