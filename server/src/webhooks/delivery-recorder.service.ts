import { randomUUID } from 'node:crypto';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { WebhookJobMatch, WebhookOutcome, WebhookReceiveResponse } from '@api-manager/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { EventsService } from '../executions/events.service.js';
import type { EnqueueInput } from '../executions/enqueue-input.js';
import { ExecutionsService } from '../executions/executions.service.js';
import type { Job } from '../jobs/job.entity.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { changedFiles } from './changed-files.js';
import type { GithubTrigger, JobMatch } from './matcher.js';
import { MatcherCache } from './matcher-cache.service.js';
import type { NormalizedPush, ProviderName } from './push-event.js';
import { detectSkip } from './skip.js';
import { deliveriesTotal } from './webhook-metrics.js';

/** What a delivery decides, before anything is written (dry runs stop here). */
export interface Evaluation {
  event: string;
  outcome: WebhookOutcome;
  responseCode: number;
  skipReason: string | null;
  ignoredReason: string | null;
  untrustedReason: string | null;
  files: string[];
  matches: JobMatch<Job>[];
}

export interface RecordInput {
  provider: ProviderName;
  deliveryKey: string;
  headers: Record<string, string>;
  push: NormalizedPush | null;
  repository: string | null;
  sourceId: string | null;
  replayOf?: string | null;
  actor?: string | null;
  evaluation: Evaluation;
}

export interface RecordResult {
  code: number;
  body: WebhookReceiveResponse;
}

/** Evaluates a delivery and writes it with its executions in ONE transaction (guarantee 3). */
@Injectable()
export class DeliveryRecorder {
  private readonly logger = new Logger(DeliveryRecorder.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly matchers: MatcherCache,
    private readonly executions: ExecutionsService,
    private readonly params: ParamsResolver,
    private readonly events: EventsService,
  ) {}

  async evaluate(
    event: string,
    push: NormalizedPush | null,
    opts: { ignoreSkip?: boolean; files?: string[]; untrusted?: string | null } = {},
  ): Promise<Evaluation> {
    const base = { event, skipReason: null, ignoredReason: null, untrustedReason: null, files: [], matches: [] };
    if (event === 'ping') return { ...base, outcome: 'ping', responseCode: 200 };
    if (event !== 'push' || !push) {
      return { ...base, outcome: 'ignored', responseCode: 202, ignoredReason: `event "${event}" is not handled` };
    }
    const cf = opts.files ? { files: opts.files, untrustedReason: opts.untrusted ?? null } : changedFiles(push);
    const common = { ...base, files: cf.files, untrustedReason: cf.untrustedReason, responseCode: 200 };
    if (push.deleted)
      return { ...common, outcome: 'deleted', skipReason: push.tag !== null ? 'tag deleted' : 'branch deleted' };
    const skip = opts.ignoreSkip ? null : detectSkip(push.headCommit?.message);
    if (skip) return { ...common, outcome: 'skipped', skipReason: skip };
    const matcher = await this.matchers.get();
    const matches = matcher.match(push, cf.files, cf.untrustedReason);
    return { ...common, outcome: matches.some((m) => m.matched) ? 'triggered' : 'no_match', matches };
  }

  /**
   * INSERT the delivery (ON CONFLICT DO NOTHING on the provider's delivery id), then one execution per
   * matched job through ExecutionsService.enqueue on the same transaction. A concurrent duplicate
   * waits on the first insert and then answers the first response; any failure rolls back both.
   */
  async record(input: RecordInput): Promise<RecordResult> {
    const ev = input.evaluation;
    const id = randomUUID();
    const matched = ev.matches.filter((m) => m.matched);
    const body = responseBody(
      id,
      ev,
      matched.map((m) => m.job.name),
    );
    const stored = ev.matches.map(toStoredMatch);
    const pushJson = input.push ? pushSummary(input.push) : null;

    const result = await this.dataSource.transaction(async (m) => {
      const inserted = (await m.query(
        `INSERT INTO webhook_deliveries (id, delivery_key, provider, event, outcome, repository, ref, before_sha, after_sha,
            head_commit, changed_file_count, changed_files, untrusted_reason, skip_reason, matches, triggered_jobs, push,
            headers, response_code, response, source_id, replay_of, actor)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)
         ON CONFLICT (provider, delivery_key) DO NOTHING
         RETURNING id`,
        [
          id,
          input.deliveryKey,
          input.provider,
          ev.event,
          ev.outcome,
          input.repository,
          input.push?.ref ?? null,
          input.push?.before ?? null,
          input.push?.after ?? null,
          input.push?.headCommit ? JSON.stringify(input.push.headCommit) : null,
          ev.files.length,
          JSON.stringify(ev.files),
          ev.untrustedReason,
          ev.skipReason,
          JSON.stringify(stored),
          matched.map((x) => x.job.name),
          pushJson ? JSON.stringify(pushJson) : null,
          JSON.stringify(input.headers),
          ev.responseCode,
          JSON.stringify(body),
          input.sourceId,
          input.replayOf ?? null,
          input.actor ?? null,
        ],
      )) as Array<{ id: string }>;
      if (inserted.length === 0) return this.duplicate(m, input);
      if (matched.length) await this.enqueueAll(m, id, input, matched, stored, body);
      return { code: ev.responseCode, body, recorded: true };
    });
    if ('recorded' in result) {
      deliveriesTotal.inc({ provider: input.provider, outcome: ev.outcome });
      void this.events.publish('delivery', {
        id,
        provider: input.provider,
        event: ev.event,
        outcome: body.triggered_jobs.length ? ev.outcome : ev.outcome === 'triggered' ? 'no_match' : ev.outcome,
        repository: input.repository,
        triggeredJobs: body.triggered_jobs,
      });
    }
    return { code: result.code, body: result.body };
  }

  private async duplicate(m: EntityManager, input: RecordInput): Promise<RecordResult> {
    // (wrapped in a CTE so the driver answers rows, as for a SELECT)
    const [row] = (await m.query(
      `WITH u AS (
         UPDATE webhook_deliveries SET duplicate_count = duplicate_count + 1, last_duplicate_at = now()
          WHERE provider = $1 AND delivery_key = $2 RETURNING response, response_code)
       SELECT * FROM u`,
      [input.provider, input.deliveryKey],
    )) as Array<{ response: WebhookReceiveResponse; response_code: number }>;
    if (!row) throw new HttpException('The first delivery with this id disappeared; retry', 409);
    this.logger.log(`Duplicate ${input.provider} delivery ${input.deliveryKey}: answered the first result`);
    return { code: row.response_code, body: { ...row.response, duplicate: true } };
  }

  private async enqueueAll(
    m: EntityManager,
    deliveryId: string,
    input: RecordInput,
    matched: JobMatch<Job>[],
    stored: WebhookJobMatch[],
    body: WebhookReceiveResponse,
  ): Promise<void> {
    const ctx = { push: pushContext(input.push, deliveryId, input.evaluation.files) };
    let changed = false;
    // Deterministic refusals (invalid params, job disabled meanwhile) are recorded against the job;
    // anything else (database errors) rolls the whole delivery back.
    const refuse = (match: JobMatch<Job>, err: unknown) => {
      if (!(err instanceof HttpException) || err.getStatus() >= 500) throw err;
      const res = err.getResponse() as { message?: string | string[] } | string;
      const msg =
        typeof res === 'string'
          ? res
          : Array.isArray(res.message)
            ? res.message.join('; ')
            : (res.message ?? err.message);
      stored.find((s) => s.jobId === match.job.id)!.error = msg;
      body.triggered_jobs = body.triggered_jobs.filter((n) => n !== match.job.name);
      changed = true;
      this.logger.warn(`Delivery ${deliveryId}: job ${match.job.name} matched but got no execution: ${msg}`);
    };
    // Plain runs are written together (one INSERT + one NOTIFY for all); runs that need enqueue's
    // checks (overlap skip, fan-out) go one by one, on the same transaction.
    const batch: { input: EnqueueInput; params: Record<string, unknown> }[] = [];
    for (const match of matched) {
      const spec = (match.job.triggers.github as GithubTrigger[])[match.trigger ?? 0] ?? {};
      try {
        const params = spec.params ? await this.params.renderMapping(spec.params, ctx) : {};
        const run: EnqueueInput = {
          job: match.job,
          trigger: 'webhook',
          triggerRef: deliveryId,
          params,
          context: ctx,
          deliveryId,
        };
        if (this.executions.canEnqueueMany(run)) {
          batch.push({ input: run, params: await this.executions.prepareParams(run) });
        } else if (!(await this.executions.enqueue(run, m))) {
          throw new HttpException('the execution was not created', 409);
        }
      } catch (err) {
        refuse(match, err);
      }
    }
    if (batch.length) {
      const rows = await this.executions.enqueueMany(batch, m);
      if (rows.length !== batch.length) throw new Error(`queued ${rows.length} of ${batch.length} executions`);
    }
    if (changed) {
      await m.query(
        `UPDATE webhook_deliveries SET matches = $2, triggered_jobs = $3, response = $4, outcome = $5 WHERE id = $1`,
        [
          deliveryId,
          JSON.stringify(stored),
          body.triggered_jobs,
          JSON.stringify(body),
          body.triggered_jobs.length ? 'triggered' : 'no_match',
        ],
      );
    }
  }
}

export function responseBody(id: string, ev: Evaluation, triggered: string[]): WebhookReceiveResponse {
  const body: WebhookReceiveResponse = { status: 'ok', triggered_jobs: triggered, delivery_id: id };
  if (ev.skipReason) body.skipped = ev.skipReason;
  if (ev.ignoredReason) body.ignored = ev.ignoredReason;
  if (ev.outcome === 'ping') body.message = 'pong';
  return body;
}

export function toStoredMatch(m: JobMatch<Job>): WebhookJobMatch {
  return {
    jobId: m.job.id,
    jobName: m.job.name,
    matched: m.matched,
    reason: m.reason,
    triggers: m.triggers,
  };
}

/** The normalized push without its commit list (what replays re-evaluate). */
export function pushSummary(p: NormalizedPush): Record<string, unknown> {
  const { commits, ...rest } = p;
  return { ...rest, commitCount: commits.length };
}

/** `push` in templates (trigger params mapping, executor templates). */
export function pushContext(p: NormalizedPush | null, deliveryId: string, files: string[]): Record<string, unknown> {
  if (!p) return { deliveryId };
  return {
    provider: p.provider,
    repository: p.repository,
    ref: p.ref,
    branch: p.branch,
    tag: p.tag,
    before: p.before,
    after: p.after,
    created: p.created,
    forced: p.forced,
    headCommit: p.headCommit,
    pusher: p.pusher,
    compareUrl: p.compareUrl,
    changedFiles: files,
    deliveryId,
  };
}
