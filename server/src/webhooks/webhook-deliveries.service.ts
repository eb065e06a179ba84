import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookDeliverySummary,
  WebhookDryRunResponse,
  WebhookReplayResponse,
} from '@api-manager/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/access.decorators.js';
import { DeliveryRecorder, toStoredMatch } from './delivery-recorder.service.js';
import { isPacked, unpackMatches } from './match-set.js';
import type { DeliveryQueryDto, DryRunDto, ReplayDto } from './dto/webhook-delivery.dto.js';
import { ProviderFactory } from './providers/provider-factory.js';
import {
  type DeliveryRow,
  type DeliverySummaryRow,
  deliveryById,
  executionsOfDelivery,
  listDeliveries,
  matchSetJobs,
  replaysOf,
} from './webhooks.store.js';
import { type NormalizedPush, PayloadError, type ProviderName } from './push-event.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The deliveries log (list, detail), replays and dry runs. */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly recorder: DeliveryRecorder,
    private readonly providers: ProviderFactory,
  ) {}

  async list(q: DeliveryQueryDto): Promise<WebhookDeliveryPage> {
    if (q.cursor && !UUID.test(q.cursor)) throw new BadRequestException(['cursor must be a value of nextCursor']);
    const limit = q.limit ?? 50;
    const rows = await listDeliveries(this.dataSource, q, limit + 1);
    const items = rows.slice(0, limit).map(toSummary);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async get(id: string): Promise<WebhookDeliveryDetail> {
    const row = await this.row(id);
    const [executions, replays, setJobs] = await Promise.all([
      executionsOfDelivery(this.dataSource, row.id),
      replaysOf(this.dataSource, row.id),
      isPacked(row.matches) ? matchSetJobs(this.dataSource, row.matches.set) : null,
    ]);
    const byJob = new Map(executions.map((e) => [e.job_id, e.id]));
    const matches = unpackMatches(row.matches, setJobs).map((m) =>
      m.matched ? { ...m, executionId: byJob.get(m.jobId) ?? null } : m,
    );
    return {
      ...toSummary(row),
      headers: row.headers,
      changedFiles: row.changed_files,
      matches,
      executions: executions.map((e) => ({ id: e.id, jobName: e.job_name, status: e.status })),
      response: row.response,
      replays: replays.map((r) => r.id),
      repoConfig: row.repo_config ?? null,
    };
  }

  /** Re-evaluate a recorded push against the current jobs: a new delivery linked to the original, new executions. */
  async replay(id: string, dto: ReplayDto, actor?: Actor): Promise<{ code: number; body: WebhookReplayResponse }> {
    const row = await this.row(id);
    if (row.event !== 'push' || !row.push) {
      throw new BadRequestException([
        `Delivery ${row.id} is a "${row.event}" event: only push deliveries can be replayed`,
      ]);
    }
    const push = { ...(row.push as unknown as NormalizedPush), commits: [] };
    const evaluation = await this.recorder.evaluate('push', push, {
      ignoreSkip: dto.ignoreSkip,
      files: row.changed_files,
      untrusted: row.untrusted_reason,
    });
    const result = await this.recorder.record({
      provider: row.provider as ProviderName,
      deliveryKey: `replay-${randomUUID()}`,
      headers: { ...row.headers, 'x-apm-replay-of': row.id },
      push,
      repository: row.repository,
      sourceId: row.source_id,
      replayOf: row.id,
      actor: actor?.name ?? null,
      evaluation,
    });
    return { code: result.code === 202 ? 202 : 201, body: { ...result.body, replay_of: row.id } };
  }

  /** Which jobs a delivery would trigger, and why; nothing is written. */
  async dryRun(dto: DryRunDto): Promise<WebhookDryRunResponse> {
    const provider = this.providers.byName(dto.provider ?? 'github');
    const event = provider.event({ [provider.eventHeader]: dto.event });
    let push: NormalizedPush | null = null;
    if (event === 'push') {
      try {
        push = provider.parsePush(dto.payload, event);
      } catch (err) {
        if (err instanceof PayloadError) throw new BadRequestException([`payload: ${err.message}`]);
        throw err;
      }
    }
    const ev = await this.recorder.evaluate(event, push);
    return {
      event,
      outcome: ev.outcome,
      wouldTrigger: ev.matches.filter((m) => m.matched).map((m) => m.job.name),
      skipReason: ev.skipReason ?? ev.ignoredReason,
      untrustedReason: ev.untrustedReason,
      repository: push?.repository ?? null,
      ref: push?.ref ?? null,
      changedFiles: ev.files,
      matches: ev.matches.map(toStoredMatch),
    };
  }

  private async row(id: string): Promise<DeliveryRow> {
    if (!UUID.test(id)) throw new NotFoundException(`Delivery ${id} not found`);
    const row = await deliveryById(this.dataSource, id);
    if (!row) throw new NotFoundException(`Delivery ${id} not found`);
    return row;
  }
}

function toSummary(r: DeliverySummaryRow): WebhookDeliverySummary {
  return {
    id: r.id,
    deliveryKey: r.delivery_key,
    provider: r.provider as ProviderName,
    event: r.event,
    outcome: r.outcome as WebhookDeliverySummary['outcome'],
    repository: r.repository,
    ref: r.ref,
    before: r.before_sha,
    after: r.after_sha,
    headCommit: r.head_commit,
    changedFileCount: r.changed_file_count,
    untrustedReason: r.untrusted_reason,
    skipReason: r.skip_reason,
    triggeredJobs: r.triggered_jobs,
    responseCode: r.response_code,
    replayOf: r.replay_of,
    actor: r.actor,
    duplicateCount: r.duplicate_count,
    createdAt: new Date(r.created_at).toISOString(),
  };
}
