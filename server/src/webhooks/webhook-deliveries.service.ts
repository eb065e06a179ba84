import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookDeliverySummary,
  WebhookDryRunResponse,
  WebhookRepoConfig,
  WebhookReplayResponse,
} from '@api-manager/contracts';
import { DataSource } from 'typeorm';
import type { Actor } from '../auth/access.decorators.js';
import { DeliveryRecorder, fromRowMatch, type RowMatch, toStoredMatch } from './delivery-recorder.service.js';
import type { DeliveryQueryDto, DryRunDto, ReplayDto } from './dto/webhook-delivery.dto.js';
import { ProviderFactory } from './providers/provider-factory.js';
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
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      args.push(v);
      where.push(sql.replace('?', `$${args.length}`));
    };
    if (q.provider) add('provider = ?', q.provider);
    if (q.repository) add('lower(repository) = lower(?)', q.repository);
    if (q.outcome) add('outcome = ?', q.outcome);
    if (q.event) add('event = ?', q.event);
    if (q.job) add('triggered_jobs @> ARRAY[?]::text[]', q.job);
    if (q.since) add('created_at >= ?', q.since);
    if (q.until) add('created_at < ?', q.until);
    if (q.cursor) {
      if (!UUID.test(q.cursor)) throw new BadRequestException(['cursor must be a value of nextCursor']);
      add('(created_at, id) < (SELECT created_at, id FROM webhook_deliveries WHERE id = ?)', q.cursor);
    }
    const limit = q.limit ?? 50;
    const rows = (await this.dataSource.query(
      `SELECT ${SUMMARY_COLUMNS} FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${limit + 1}`,
      args,
    )) as Row[];
    const items = rows.slice(0, limit).map(toSummary);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  async get(id: string): Promise<WebhookDeliveryDetail> {
    const row = await this.row(id);
    const [executions, replays] = await Promise.all([
      this.dataSource.query(
        `SELECT id, job_id, job_name, status FROM executions WHERE delivery_id = $1 ORDER BY created_at, id`,
        [row.id],
      ) as Promise<Array<{ id: string; job_id: string; job_name: string; status: string }>>,
      this.dataSource.query(`SELECT id FROM webhook_deliveries WHERE replay_of = $1 ORDER BY created_at`, [
        row.id,
      ]) as Promise<Array<{ id: string }>>,
    ]);
    const byJob = new Map(executions.map((e) => [e.job_id, e.id]));
    const matches = (row.matches as RowMatch[])
      .map(fromRowMatch)
      .map((m) => (m.matched ? { ...m, executionId: byJob.get(m.jobId) ?? null } : m));
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

  private async row(id: string): Promise<Row> {
    if (!UUID.test(id)) throw new NotFoundException(`Delivery ${id} not found`);
    const [row] = (await this.dataSource.query(`SELECT * FROM webhook_deliveries WHERE id = $1`, [id])) as Row[];
    if (!row) throw new NotFoundException(`Delivery ${id} not found`);
    return row;
  }
}

const SUMMARY_COLUMNS = `id, delivery_key, provider, event, outcome, repository, ref, before_sha, after_sha, head_commit,
  changed_file_count, untrusted_reason, skip_reason, triggered_jobs, response_code, replay_of, actor, duplicate_count, created_at`;

interface Row {
  id: string;
  repo_config?: WebhookRepoConfig | null;
  delivery_key: string;
  provider: string;
  event: string;
  outcome: string;
  repository: string | null;
  ref: string | null;
  before_sha: string | null;
  after_sha: string | null;
  head_commit: any;
  changed_file_count: number;
  changed_files: string[];
  untrusted_reason: string | null;
  skip_reason: string | null;
  matches: unknown[];
  triggered_jobs: string[];
  push: Record<string, unknown> | null;
  headers: Record<string, string>;
  response_code: number;
  response: any;
  source_id: string | null;
  replay_of: string | null;
  actor: string | null;
  duplicate_count: number;
  created_at: Date;
}

function toSummary(r: Row): WebhookDeliverySummary {
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
