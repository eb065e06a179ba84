import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PageQuery, Schedule as ScheduleView, ScheduleList, SchedulePreview } from '@api-manager/contracts';
import { Clock } from '../common/clock.js';
import { LIMITS } from '../common/limits.js';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import type { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { EventsService } from '../executions/events.service.js';
import { Job } from '../jobs/job.entity.js';
import { ParamsResolver } from '../jobs/params/params-resolver.js';
import { SecretMappings } from '../jobs/params/secret-mappings.js';
import { compileSpec, type CompiledSpec, normalizeCron, ScheduleSpecError } from './schedule-clock.js';
import { describeSchedule, isoInZone, parseInterval } from './schedule-text.js';
import { Schedule } from './schedule.entity.js';
import type { CreateScheduleDto, PreviewQueryDto, UpdateScheduleDto } from './dto/schedule.dto.js';
import { ScheduleTicker } from './schedule-ticker.js';
import { countSchedulesLocked, nextRunOfJobs, notifyScheduleChanged, schedulePage } from './schedules.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Fields that change when slots fire: editing one recomputes next_run_at. */
const TIMING = ['cron', 'intervalSeconds', 'timezone', 'startsAt', 'endsAt', 'enabled'] as const;

type ScheduleOp = 'created' | 'updated' | 'paused' | 'resumed' | 'deleted';

/** Schedule definitions: CRUD, pause/resume, preview. Every change NOTIFYs all replicas' tickers. */
@Injectable()
export class SchedulesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly events: EventsService,
    private readonly ticker: ScheduleTicker,
    private readonly params: ParamsResolver,
    private readonly mappings: SecretMappings,
    private readonly clock: Clock,
  ) {}

  /** Ordered by job name, schedule name, id; keyset pages (`cursor` = the last row's key). */
  async list(q: PageQuery & { job?: string } = {}): Promise<ScheduleList> {
    const jobId = q.job ? (await this.findJob(this.dataSource.manager, q.job)).id : null;
    let after: [string, string, string] | null = null;
    if (q.cursor) {
      const [jobName, name, id] = decodePageCursor(q.cursor, 3);
      if (!UUID.test(id)) throw new BadRequestException(['cursor is not valid: pass nextCursor from a previous page']);
      after = [jobName, name, id];
    }
    const limit = pageLimit(q);
    const { total, rows } = await schedulePage(this.dataSource.manager, { jobId, after, limit: limit + 1 });
    const page = toPage(
      rows,
      limit,
      (r) => [r.jobName, r.s.name, r.s.id],
      (r) => this.toView(r.s, r.jobName),
    );
    return { ...page, total };
  }

  async get(id: string): Promise<ScheduleView> {
    const s = await this.load(this.dataSource.manager, id);
    return this.toView(s, await this.jobName(this.dataSource.manager, s.jobId));
  }

  /** The earliest next run of each job's enabled schedules (jobs without one are absent). */
  async nextRunOfJobs(jobIds: string[]): Promise<Map<string, Date>> {
    const rows = await nextRunOfJobs(this.dataSource.manager, jobIds);
    return new Map(rows.map((r) => [r.job_id, r.next]));
  }

  /** `manager`: run inside the caller's transaction (config/apply writes everything in one). */
  async create(dto: CreateScheduleDto, manager?: EntityManager): Promise<ScheduleView> {
    const view = await this.tx(manager, async (m) => {
      const job = await this.findJob(m, dto.job);
      await this.checkCaps(m, job);
      const s = m.create(Schedule, {
        jobId: job.id,
        cron: dto.cron ?? null,
        intervalSeconds: dto.intervalSeconds ?? null,
        timezone: dto.timezone ?? this.config.DEFAULT_TIMEZONE,
        params: this.sealParams(job, dto.params, undefined),
        enabled: dto.enabled ?? true,
        startsAt: dto.startsAt ? new Date(dto.startsAt) : null,
        endsAt: dto.endsAt ? new Date(dto.endsAt) : null,
        misfirePolicy: dto.misfirePolicy ?? 'run_once',
        misfireCap: dto.misfireCap ?? 100,
      });
      const compiled = this.compile(s);
      s.name = dto.name ?? (s.cron !== null ? s.cron.trim() : `every ${s.intervalSeconds}s`);
      s.nextRunAt = this.firstRun(s, compiled);
      const saved = await m.save(s);
      await this.changed(m, saved, 'created');
      return this.toView(saved, job.name);
    });
    this.ticker.wake();
    return view;
  }

  /** LIMITS.schedulesPerJobMax and LIMITS.schedulesMax, counted under a lock so concurrent creates cannot pass them. */
  private async checkCaps(m: EntityManager, job: Job): Promise<void> {
    const { total, ofJob } = await countSchedulesLocked(m, job.id);
    if (ofJob >= LIMITS.schedulesPerJobMax) {
      throw new BadRequestException([
        `job ${job.name} already has ${ofJob} schedules: at most ${LIMITS.schedulesPerJobMax} per job`,
      ]);
    }
    if (total >= LIMITS.schedulesMax) {
      throw new BadRequestException([`there are already ${total} schedules: at most ${LIMITS.schedulesMax}`]);
    }
  }

  async update(id: string, dto: UpdateScheduleDto, manager?: EntityManager): Promise<ScheduleView> {
    if (dto.cron !== undefined && dto.intervalSeconds !== undefined) {
      throw new BadRequestException('Give either cron or intervalSeconds, not both');
    }
    return this.mutate(
      id,
      'updated',
      async (s, m) => {
        if (dto.params !== undefined) s.params = this.sealParams(await this.findJob(m, s.jobId), dto.params, s.params);
        const before = TIMING.map((k) => String(s[k] instanceof Date ? (s[k] as Date).getTime() : s[k]));
        if (dto.name !== undefined) s.name = dto.name;
        if (dto.cron !== undefined) [s.cron, s.intervalSeconds] = [dto.cron, null];
        if (dto.intervalSeconds !== undefined) [s.cron, s.intervalSeconds] = [null, dto.intervalSeconds];
        if (dto.timezone !== undefined) s.timezone = dto.timezone;
        if (dto.enabled !== undefined) s.enabled = dto.enabled;
        if (dto.startsAt !== undefined) s.startsAt = dto.startsAt === null ? null : new Date(dto.startsAt);
        if (dto.endsAt !== undefined) s.endsAt = dto.endsAt === null ? null : new Date(dto.endsAt);
        if (dto.misfirePolicy !== undefined) s.misfirePolicy = dto.misfirePolicy;
        if (dto.misfireCap !== undefined) s.misfireCap = dto.misfireCap;
        const compiled = this.compile(s);
        const after = TIMING.map((k) => String(s[k] instanceof Date ? (s[k] as Date).getTime() : s[k]));
        // A new cron / zone / window: the old next slot must not fire; compute it afresh from now.
        if (before.join('|') !== after.join('|')) s.nextRunAt = this.firstRun(s, compiled);
      },
      manager,
    );
  }

  pause(id: string): Promise<ScheduleView> {
    return this.mutate(id, 'paused', (s) => {
      s.enabled = false;
      s.nextRunAt = null;
    });
  }

  /** Resume from now on: slots missed while paused are not caught up. */
  resume(id: string): Promise<ScheduleView> {
    return this.mutate(id, 'resumed', (s) => {
      if (s.enabled && s.nextRunAt) return;
      s.enabled = true;
      s.nextRunAt = this.firstRun(s, this.compile(s));
    });
  }

  async remove(id: string, manager?: EntityManager): Promise<void> {
    await this.tx(manager, async (m) => {
      const s = await this.load(m, id, true);
      await m.delete(Schedule, { id: s.id });
      await this.changed(m, s, 'deleted');
    });
    this.ticker.wake();
  }

  preview(q: PreviewQueryDto): SchedulePreview {
    const timezone = q.timezone ?? this.config.DEFAULT_TIMEZONE;
    const locale = q.locale ?? 'en';
    if ((q.cron === undefined) === (q.interval === undefined)) {
      throw new BadRequestException('Give exactly one of cron or interval');
    }
    let intervalSeconds: number | null = null;
    if (q.interval !== undefined) {
      intervalSeconds = parseInterval(q.interval);
      if (intervalSeconds === null) {
        throw new BadRequestException('interval must be seconds or a number with a unit: 90, 90s, 5m, 2h, 1d');
      }
    }
    const compiled = this.compileOrThrow({ cron: q.cron ?? null, intervalSeconds, timezone });
    const next: string[] = [];
    let t = this.clock.now();
    for (let i = 0; i < (q.count ?? 5); i++) {
      const n = compiled.next(t);
      if (n === null) break;
      next.push(isoInZone(n, timezone));
      t = n;
    }
    return {
      cron: q.cron ?? null,
      intervalSeconds,
      timezone,
      locale,
      description: describeSchedule({ expression: compiled.expression, intervalSeconds, timezone }, locale),
      next,
    };
  }

  private async mutate(
    id: string,
    op: ScheduleOp,
    apply: (s: Schedule, m: EntityManager) => void | Promise<void>,
    manager?: EntityManager,
  ): Promise<ScheduleView> {
    const view = await this.tx(manager, async (m) => {
      // Locks the row: waits for a firing transaction holding it, so the ticker never advances stale data.
      const s = await this.load(m, id, true);
      await apply(s, m);
      const saved = await m.save(s);
      await this.changed(m, saved, op);
      return this.toView(saved, await this.jobName(m, saved.jobId));
    });
    this.ticker.wake();
    return view;
  }

  /** A transaction of its own, or a nested one (savepoint) inside the caller's. */
  private tx<T>(manager: EntityManager | undefined, fn: (m: EntityManager) => Promise<T>): Promise<T> {
    return manager ? manager.transaction(fn) : this.dataSource.transaction(fn);
  }

  /** NOTIFY every replica's ticker and publish an SSE event, both delivered at commit. */
  private async changed(m: EntityManager, s: Schedule, op: ScheduleOp): Promise<void> {
    await notifyScheduleChanged(m, { id: s.id, op });
    await this.events.publish(
      'schedule',
      { id: s.id, jobId: s.jobId, op, enabled: s.enabled, nextRunAt: s.nextRunAt?.toISOString() ?? null },
      m,
    );
  }

  private firstRun(s: Schedule, compiled: CompiledSpec): Date | null {
    if (!s.enabled) return null;
    const next = compiled.next(this.clock.now());
    return next === null ? null : new Date(next);
  }

  private compile(s: Schedule): CompiledSpec {
    return this.compileOrThrow({
      cron: s.cron,
      intervalSeconds: s.intervalSeconds,
      timezone: s.timezone,
      startsAt: s.startsAt,
      endsAt: s.endsAt,
    });
  }

  private compileOrThrow(spec: Parameters<typeof compileSpec>[0]): CompiledSpec {
    try {
      return compileSpec(spec);
    } catch (err) {
      if (err instanceof ScheduleSpecError) throw new BadRequestException(err.message);
      throw err;
    }
  }

  private async load(m: EntityManager, id: string, lock = false): Promise<Schedule> {
    if (!UUID.test(id)) throw new BadRequestException('id must be a UUID');
    const s = await m.findOne(Schedule, { where: { id }, ...(lock ? { lock: { mode: 'pessimistic_write' } } : {}) });
    if (!s) throw new NotFoundException(`Schedule ${id} not found`);
    return s;
  }

  /**
   * The stored params: values of the job's secret params and `{secret: true, value}` values sealed
   * (`{secret: true}` keeps the value in `previous`). Guarantee 5.
   */
  private sealParams(
    job: Job,
    params: Record<string, unknown> | undefined,
    previous: Record<string, unknown> | undefined,
  ): Record<string, unknown> {
    const errors: string[] = [];
    const sealed = this.mappings.seal(params ?? {}, this.params.secretParamNames(job), previous, 'params', errors);
    if (errors.length) throw new BadRequestException(errors);
    return sealed;
  }

  private async findJob(m: EntityManager, idOrName: string): Promise<Job> {
    const job = await m.findOne(Job, { where: UUID.test(idOrName) ? { id: idOrName } : { name: idOrName } });
    if (!job) throw new NotFoundException(`Job "${idOrName}" not found`);
    return job;
  }

  private async jobName(m: EntityManager, jobId: string): Promise<string> {
    const job = await m.findOne(Job, { where: { id: jobId }, select: { id: true, name: true } });
    return job?.name ?? '';
  }

  private toView(s: Schedule, jobName: string): ScheduleView {
    let description = '';
    try {
      description = describeSchedule({
        expression: s.cron !== null ? normalizeCron(s.cron) : null,
        intervalSeconds: s.intervalSeconds,
        timezone: s.timezone,
      });
    } catch {
      /* stored rows are validated on write */
    }
    return {
      id: s.id,
      jobId: s.jobId,
      jobName,
      name: s.name,
      cron: s.cron,
      intervalSeconds: s.intervalSeconds,
      timezone: s.timezone,
      params: this.mappings.mask(s.params),
      enabled: s.enabled,
      startsAt: s.startsAt?.toISOString() ?? null,
      endsAt: s.endsAt?.toISOString() ?? null,
      misfirePolicy: s.misfirePolicy,
      misfireCap: s.misfireCap,
      nextRunAt: s.nextRunAt?.toISOString() ?? null,
      lastRunAt: s.lastRunAt?.toISOString() ?? null,
      description,
      version: s.version,
      createdAt: s.createdAt.toISOString(),
      updatedAt: s.updatedAt.toISOString(),
    };
  }
}
