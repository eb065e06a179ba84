import { randomUUID } from 'node:crypto';
import { HttpException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type {
  WebhookJobMatch,
  WebhookOutcome,
  WebhookRepoConfig,
  WebhookReceiveResponse,
} from '@api-manager/contracts';
import { DataSource, type EntityManager } from 'typeorm';
import { EventsService } from '../executions/events.service.js';
import type { EnqueueInput } from '../executions/enqueue-input.js';
import { ExecutionsService } from '../executions/executions.service.js';
import { poolOf } from '../database/pg-pool.js';
import type { Job } from '../jobs/job.entity.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { changedFiles } from './changed-files.js';
import type { GithubTrigger, JobMatch } from './matcher.js';
import { type MatchSet, packMatches } from './match-set.js';
import { MatcherCache } from './matcher-cache.service.js';
import type { NormalizedPush, ProviderName } from './push-event.js';
import { detectSkip } from './skip.js';
import { deliveriesTotal } from './webhook-metrics.js';
import {
  countDuplicate,
  insertDelivery,
  insertDeliveryWithRuns,
  insertMatchSet,
  updateDeliveryResult,
} from './webhooks.store.js';

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
  /** The repository's CI file (sources with repoConfig), read before anything is written. */
  repoConfig?: WebhookRepoConfig | null;
  /** The job definitions `matches` were evaluated against (the stored explanation refers to it). */
  matchSet?: MatchSet | null;
}

/** Match sets this process stored (or is storing): each is written once, before the first delivery using it. */
const MATCH_SETS_KEPT = 64;

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
  private readonly storedSets = new Map<string, Promise<void>>();

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
    const { matcher, set } = await this.matchers.get();
    const matches = matcher.match(push, cf.files, cf.untrustedReason);
    return {
      ...common,
      outcome: matches.some((m) => m.matched) ? 'triggered' : 'no_match',
      matches,
      matchSet: set,
    };
  }

  /**
   * INSERT the delivery (ON CONFLICT DO NOTHING on the provider's delivery id) with one execution per
   * matched job, atomically. Runs are prepared first (params resolved; deterministic refusals such as
   * invalid params or a job disabled meanwhile are recorded against the job). When every run is a
   * plain one (the usual case) the delivery and its runs are ONE statement: one round trip, atomic
   * without BEGIN/COMMIT. Runs that need enqueue's checks (overlap skip, fan-out) go through a
   * transaction. A concurrent duplicate waits on the first insert and then answers the first response.
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
    const plan = await this.prepare(id, input, matched, stored, body);
    if (ev.matchSet) await this.storeSet(ev.matchSet);
    const values = this.deliveryValues(id, input, stored, body);

    let result: RecordResult | null;
    if (plan.each.length === 0) {
      const row = await insertDeliveryWithRuns(poolOf(this.dataSource), values, this.executions.plainRuns(plan.batch));
      if (row.inserted && row.queued !== plan.batch.length)
        throw new Error(`queued ${row.queued} of ${plan.batch.length} executions`);
      result = row.inserted ? { code: ev.responseCode, body } : null;
    } else {
      result = await this.dataSource.transaction(async (m) => {
        if (!(await insertDelivery(m, values))) return null;
        await this.enqueueEach(m, id, plan, stored, body, ev);
        return { code: ev.responseCode, body };
      });
    }
    if (!result) return this.duplicate(input);
    deliveriesTotal.inc({ provider: input.provider, outcome: ev.outcome });
    void this.events.publish('delivery', {
      id,
      provider: input.provider,
      event: ev.event,
      outcome: body.triggered_jobs.length ? ev.outcome : ev.outcome === 'triggered' ? 'no_match' : ev.outcome,
      repository: input.repository,
      triggeredJobs: body.triggered_jobs,
    });
    return result;
  }

  private deliveryValues(
    id: string,
    input: RecordInput,
    stored: WebhookJobMatch[],
    body: WebhookReceiveResponse,
  ): unknown[] {
    const ev = input.evaluation;
    const pushJson = input.push ? pushSummary(input.push) : null;
    return [
      id,
      input.deliveryKey,
      input.provider,
      ev.event,
      body.triggered_jobs.length || ev.outcome !== 'triggered' ? ev.outcome : 'no_match',
      input.repository,
      input.push?.ref ?? null,
      input.push?.before ?? null,
      input.push?.after ?? null,
      input.push?.headCommit ? JSON.stringify(input.push.headCommit) : null,
      ev.files.length,
      JSON.stringify(ev.files),
      ev.untrustedReason,
      ev.skipReason,
      JSON.stringify(packMatches(stored, ev.matchSet, ev.files.length)),
      body.triggered_jobs,
      pushJson ? JSON.stringify(pushJson) : null,
      JSON.stringify(input.headers),
      ev.responseCode,
      JSON.stringify(body),
      input.sourceId,
      input.replayOf ?? null,
      input.actor ?? null,
      ev.repoConfig ? JSON.stringify(ev.repoConfig) : null,
    ];
  }

  /** Store the match set once per process (every replica writes the same row: ON CONFLICT DO NOTHING). */
  private storeSet(set: MatchSet): Promise<void> {
    let done = this.storedSets.get(set.id);
    if (!done) {
      if (this.storedSets.size >= MATCH_SETS_KEPT) this.storedSets.clear();
      done = insertMatchSet(poolOf(this.dataSource), set.id, JSON.stringify(set.jobs));
      this.storedSets.set(set.id, done);
      done.catch(() => this.storedSets.delete(set.id));
    }
    return done;
  }

  private async duplicate(input: RecordInput): Promise<RecordResult> {
    const row = await countDuplicate(poolOf(this.dataSource), input.provider, input.deliveryKey);
    if (!row) throw new HttpException('The first delivery with this id disappeared; retry', 409);
    this.logger.log(`Duplicate ${input.provider} delivery ${input.deliveryKey}: answered the first result`);
    return { code: row.response_code, body: { ...row.response, duplicate: true } };
  }

  /** Params of every matched job's run, resolved before anything is written; refusals recorded. */
  private async prepare(
    deliveryId: string,
    input: RecordInput,
    matched: JobMatch<Job>[],
    stored: WebhookJobMatch[],
    body: WebhookReceiveResponse,
  ): Promise<Plan> {
    const ctx = { push: pushContext(input.push, deliveryId, input.evaluation.files) };
    const plan: Plan = { batch: [], each: [] };
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
          // Stored with the execution: the whole push (clone URL included) the command executor checks out.
          push: storedPush(input.push, deliveryId, input.evaluation.files),
        };
        if (this.executions.canEnqueueMany(run))
          plan.batch.push({ input: run, params: await this.executions.prepareParams(run) });
        else plan.each.push(run);
      } catch (err) {
        this.refuse(deliveryId, match.job, err, stored, body);
      }
    }
    return plan;
  }

  /**
   * The transaction path: runs that need enqueue's checks one by one, then the plain ones together.
   * A refusal found here (e.g. 409) is recorded by updating the delivery in the same transaction.
   */
  private async enqueueEach(
    m: EntityManager,
    deliveryId: string,
    plan: Plan,
    stored: WebhookJobMatch[],
    body: WebhookReceiveResponse,
    ev: Evaluation,
  ): Promise<void> {
    const before = body.triggered_jobs.length;
    for (const run of plan.each) {
      try {
        if (!(await this.executions.enqueue(run, m))) throw new HttpException('the execution was not created', 409);
      } catch (err) {
        this.refuse(deliveryId, run.job, err, stored, body);
      }
    }
    if (plan.batch.length) {
      const rows = await this.executions.enqueueMany(plan.batch, m);
      if (rows.length !== plan.batch.length)
        throw new Error(`queued ${rows.length} of ${plan.batch.length} executions`);
    }
    if (body.triggered_jobs.length !== before) {
      await updateDeliveryResult(m, deliveryId, {
        matches: JSON.stringify(packMatches(stored, ev.matchSet, ev.files.length)),
        triggeredJobs: body.triggered_jobs,
        response: JSON.stringify(body),
        outcome: body.triggered_jobs.length ? 'triggered' : 'no_match',
      });
    }
  }

  /**
   * A matched job that gets no execution for a deterministic reason (HttpException < 500): recorded
   * against the job and left out of the answer. Anything else (database errors) rolls back.
   */
  private refuse(
    deliveryId: string,
    job: Job,
    err: unknown,
    stored: WebhookJobMatch[],
    body: WebhookReceiveResponse,
  ): void {
    if (!(err instanceof HttpException) || err.getStatus() >= 500) throw err;
    const res = err.getResponse() as { message?: string | string[] } | string;
    const msg =
      typeof res === 'string'
        ? res
        : Array.isArray(res.message)
          ? res.message.join('; ')
          : (res.message ?? err.message);
    stored.find((s) => s.jobId === job.id)!.error = msg;
    body.triggered_jobs = body.triggered_jobs.filter((n) => n !== job.name);
    this.logger.warn(`Delivery ${deliveryId}: job ${job.name} matched but got no execution: ${msg}`);
  }
}

interface Plan {
  /** Plain runs: written together (one INSERT + one NOTIFY). */
  batch: { input: EnqueueInput; params: Record<string, unknown> }[];
  /** Runs that need enqueue's checks (overlap skip, fan-out), on the same transaction. */
  each: EnqueueInput[];
}

export function responseBody(id: string, ev: Evaluation, triggered: string[]): WebhookReceiveResponse {
  const body: WebhookReceiveResponse = { status: 'ok', triggered_jobs: triggered, delivery_id: id };
  if (ev.skipReason) body.skipped = ev.skipReason;
  if (ev.ignoredReason) body.ignored = ev.ignoredReason;
  if (ev.outcome === 'ping') body.message = 'pong';
  if (ev.repoConfig?.error) body.repo_config_error = ev.repoConfig.error;
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

/**
 * The push stored with a webhook run (`executions.push`): the delivery's push summary with the changed
 * files and the delivery id. A superset of `pushContext` (templates read it as `push.*` at run time),
 * and what the command executor reads for checkout (clone URL, branch, after) and CI_CHANGED_FILES.
 */
export function storedPush(p: NormalizedPush | null, deliveryId: string, files: string[]): Record<string, unknown> {
  if (!p) return { deliveryId };
  return { ...pushSummary(p), changedFiles: files, deliveryId };
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
