import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LIMITS } from '../common/limits.js';
import type { DataSource } from 'typeorm';
import { ActorNamesService } from '../auth/actor-names.service.js';
import { JobsService } from '../jobs/jobs.service.js';
import type { ExecutionDetailDto, ExecutionListDto, ExecutionSummaryDto } from './dto/execution.dto.js';
import type { ListExecutionsQueryDto } from './dto/requests.dto.js';
import { ExecutionsService } from './executions.service.js';
import { ExecutionDetailContributors } from './execution-detail-contributors.js';
import { poolOf } from '../database/pg-pool.js';
import { toExecution } from './sql.js';
import type { Execution } from './execution.entity.js';

export const SUMMARY_COLS = `id, job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, delivery_id, parent_id,
  retry_of, idempotency_key, params, status, attempt, max_attempts, run_at, created_at, started_at, finished_at,
  duration_ms, error, children_total, children_done, children_failed, children_cancelled, (response->>'status')::int AS http_status`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The cursor's time as encodeCursor writes it (Postgres' UTC text, microseconds). */
const CURSOR_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

/** Secret params are stored encrypted (`enc:v1:`); the API shows them as '***'. */
function maskParams(p: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p ?? {})) out[k] = typeof v === 'string' && v.startsWith('enc:v1:') ? '***' : v;
  return out;
}

/**
 * The name the run was started under, as stored with it: a manual or API run keeps its actor's
 * name ("alice", "alice/ci"), a schedule's run "schedule:<name>". The query service swaps in
 * current user and token names.
 */
function storedTriggerName(e: Execution): string | null {
  if (!e.actor) return null;
  if (e.trigger === 'schedule') return e.actor.replace(/^schedule:/, '');
  if (e.trigger === 'manual' || e.trigger === 'api') return e.actor;
  return null;
}

/** Replace stored names of `user:`/`token:` trigger refs by current ones (renames show). */
async function withCurrentNames<T extends ExecutionSummaryDto>(names: ActorNamesService, items: T[]): Promise<T[]> {
  const current = await names.namesOf(items.map((i) => i.triggerRef));
  for (const item of items) {
    const name = item.triggerRef ? current.get(item.triggerRef) : undefined;
    if (name) item.triggerName = name;
  }
  return items;
}

export function toSummary(e: Execution, httpStatus?: number | null): ExecutionSummaryDto {
  const status = httpStatus ?? (e.response?.status as number | undefined) ?? null;
  return {
    id: e.id,
    jobId: e.jobId,
    jobName: e.jobName,
    trigger: e.trigger,
    triggerRef: e.triggerRef,
    triggerName: storedTriggerName(e),
    actor: e.actor,
    status: e.status,
    attempt: e.attempt,
    maxAttempts: e.maxAttempts,
    params: maskParams(e.params),
    parentId: e.parentId,
    retryOf: e.retryOf,
    scheduleId: e.scheduleId,
    scheduledFor: iso(e.scheduledFor),
    deliveryId: e.deliveryId,
    idempotencyKey: e.idempotencyKey,
    runAt: iso(e.runAt)!,
    createdAt: iso(e.createdAt)!,
    startedAt: iso(e.startedAt),
    finishedAt: iso(e.finishedAt),
    durationMs: e.durationMs,
    error: e.error,
    httpStatus: status,
    progress:
      e.childrenTotal > 0
        ? { total: e.childrenTotal, done: e.childrenDone, failed: e.childrenFailed, cancelled: e.childrenCancelled }
        : null,
  };
}

/** Read side of executions: history list (cursor paging), detail. Job status: JobStatusService. */
@Injectable()
export class ExecutionsQueryService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobsService,
    private readonly executions: ExecutionsService,
    private readonly detailContributors: ExecutionDetailContributors,
    private readonly names: ActorNamesService,
  ) {}

  async list(q: ListExecutionsQueryDto): Promise<ExecutionListDto> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (q.job) {
      const job = await this.jobs.get(q.job);
      where.push(`job_id = ${arg(job.id)}`);
    }
    // One value: plain equality, so a (…, status|trigger, created_at) index returns rows in page order.
    const oneOf = (col: string, v: string[]) =>
      v.length === 1 ? `${col} = ${arg(v[0])}` : `${col} = ANY(${arg(v)}::text[])`;
    if (q.status?.length) where.push(oneOf('status', q.status));
    if (q.trigger?.length) where.push(oneOf('trigger', q.trigger));
    for (const f of q.param ?? []) where.push(paramFilter(f, arg));
    if (q.since) where.push(`created_at >= ${arg(q.since)}::timestamptz`);
    if (q.until) where.push(`created_at < ${arg(q.until)}::timestamptz`);
    if (q.cursor) {
      const [ts, id] = decodeCursor(q.cursor);
      where.push(`(created_at, id) < (${arg(ts)}::timestamptz, ${arg(id)}::uuid)`);
    }
    const limit = q.limit ?? 50;
    const { rows } = await poolOf(this.dataSource).query(
      `SELECT ${SUMMARY_COLS}, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_ts
         FROM executions ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${arg(limit + 1)}`,
      args,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: await this.withFanOutItems(
        await withCurrentNames(
          this.names,
          page.map((r) => toSummary(toExecution(r), r.http_status)),
        ),
      ),
      nextCursor: rows.length > limit && last ? encodeCursor(last.cursor_ts, last.id) : null,
    };
  }

  /** Fan-out children get `fanOutItem`: their job's fan-out param and the one item they ran for. */
  private async withFanOutItems<T extends ExecutionSummaryDto>(items: T[]): Promise<T[]> {
    const ids = [...new Set(items.filter((i) => i.trigger === 'fanout').map((i) => i.jobId))];
    const fanParam = new Map(
      (ids.length ? await this.jobs.getMany(ids) : []).map((j) => [
        j.id,
        (j.params as { name: string; fanOut?: boolean }[]).find((p) => p.fanOut)?.name,
      ]),
    );
    for (const item of items) {
      const param = item.trigger === 'fanout' ? fanParam.get(item.jobId) : undefined;
      const value = param !== undefined ? item.params[param] : undefined;
      item.fanOutItem = param !== undefined && value !== undefined ? { param, value: String(value) } : null;
    }
    return items;
  }

  async detail(id: string): Promise<ExecutionDetailDto> {
    const e = await this.executions.findOne(id);
    const pool = poolOf(this.dataSource);
    const [logs, children, parent, extra] = await Promise.all([
      pool.query('SELECT id, at, level, message FROM execution_logs WHERE execution_id = $1 ORDER BY id LIMIT $2', [
        id,
        LIMITS.executionDetailLogsMax,
      ]),
      pool.query(`SELECT ${SUMMARY_COLS} FROM executions WHERE parent_id = $1 ORDER BY created_at, id LIMIT $2`, [
        id,
        LIMITS.executionDetailChildrenMax,
      ]),
      e.parentId
        ? pool.query(`SELECT ${SUMMARY_COLS} FROM executions WHERE id = $1`, [e.parentId])
        : Promise.resolve({ rows: [] as Record<string, any>[] }),
      this.detailContributors.collect(id),
    ]);
    const [summary] = await withCurrentNames(this.names, [toSummary(e)]);
    return {
      ...summary!,
      request: (e.request as unknown as ExecutionDetailDto['request']) ?? null,
      response: (e.response as unknown as ExecutionDetailDto['response']) ?? null,
      attempts: (e.attempts ?? []).map((a) => ({
        attempt: Number(a.attempt),
        startedAt: iso(a.startedAt as string | null),
        finishedAt: iso(a.finishedAt as string)!,
        status: String(a.status),
        error: (a.error as string | null) ?? null,
        httpStatus: (a.httpStatus as number | null) ?? null,
      })),
      logs: logs.rows.map((l) => ({ id: String(l.id), at: iso(l.at)!, level: l.level, message: l.message })),
      children: children.rows.map((r) => toSummary(toExecution(r), r.http_status)),
      parent: parent.rows[0] ? toSummary(toExecution(parent.rows[0]), parent.rows[0].http_status) : null,
      ...extra,
    };
  }
}

/**
 * `name:value` -> a containment test on params that the GIN index (executions_params_gin) answers: the
 * value as a string, as a list item (a fan-out parent's list), and as a number or boolean when it reads
 * as one. The DTO has checked the shape already.
 */
function paramFilter(filter: string, arg: (v: unknown) => string): string {
  const i = filter.indexOf(':');
  const name = filter.slice(0, i);
  const raw = filter.slice(i + 1);
  const values: unknown[] = [raw];
  if (/^-?\d+(\.\d+)?$/.test(raw)) values.push(Number(raw));
  if (raw === 'true' || raw === 'false') values.push(raw === 'true');
  const tests = values.flatMap((v) => [{ [name]: v }, { [name]: [v] }]);
  return `(${tests.map((t) => `params @> ${arg(JSON.stringify(t))}::jsonb`).join(' OR ')})`;
}

export function encodeCursor(ts: string, id: string): string {
  return Buffer.from(JSON.stringify([ts, id])).toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      CURSOR_TS.test(v[0]) &&
      !Number.isNaN(Date.parse(v[0])) &&
      typeof v[1] === 'string' &&
      UUID.test(v[1])
    ) {
      return [v[0], v[1]];
    }
  } catch {
    /* fall through */
  }
  throw new BadRequestException('cursor is not valid: pass nextCursor from a previous page');
}
