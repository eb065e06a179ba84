import { pageLimit, toPage } from '../common/paging.js';
import { BadRequestException, ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type {
  ExecutorKind,
  JobListResponse,
  JobView,
  JsonValue,
  MaskedSecret,
  RenderResponse,
  ResolveParamsResponse,
} from '@api-manager/contracts';
import { DataSource, In, Repository, type EntityManager } from 'typeorm';
import type { CreateJobDto, JobListQueryDto, RenderRequestDto, UpdateJobDto } from './dto/job.dto.js';
import { Job } from './job.entity.js';
import { findCycle, JobValidator, type StoredJobFields } from './job-validator.js';
import { cycleFields, dependencyGraph, type DependencyJob, neededByErrors, needsErrors } from './needs-rules.js';
import { JobCatalogue } from './job-catalogue.service.js';
import { JobsStore, lockJobWrites, selectDependencyJobs, selectReferrerNames } from './jobs.store.js';
import { MASK, ParamsResolver } from './params/params-resolver.js';
import { mapSourceSecrets } from './params/fanout-params.js';
import { SecretMappings } from './params/secret-mappings.js';
import { RequestRenderer } from './render/request-renderer.js';
import { TEMPLATE_PUSH_FIELDS } from '../../../libs/contracts/src/jobs.js';

export { JOBS_WRITE_LOCK } from './jobs.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Injectable()
export class JobsService {
  constructor(
    @InjectRepository(Job) private readonly jobs: Repository<Job>,
    private readonly dataSource: DataSource,
    private readonly validator: JobValidator,
    private readonly params: ParamsResolver,
    private readonly renderer: RequestRenderer,
    private readonly mappings: SecretMappings,
    private readonly catalogue: JobCatalogue,
    private readonly store: JobsStore,
  ) {}

  /** A job by id (uuid) or unique name; NotFoundException otherwise. */
  async get(idOrName: string, manager?: EntityManager): Promise<Job> {
    const repo = manager ? manager.getRepository(Job) : this.jobs;
    const job = UUID.test(idOrName)
      ? await repo.findOne({ where: [{ id: idOrName }, { name: idOrName.toLowerCase() }] })
      : await repo.findOne({ where: { name: idOrName } });
    if (!job) throw new NotFoundException(`Job ${JSON.stringify(idOrName)} not found`);
    return job;
  }

  /** Jobs by ids (missing ids are simply absent). */
  async getMany(ids: string[]): Promise<Job[]> {
    const valid = ids.filter((id) => UUID.test(id));
    return valid.length ? this.jobs.find({ where: { id: In(valid) } }) : [];
  }

  /** Jobs by names (missing names are simply absent). */
  async getManyByName(names: string[]): Promise<Job[]> {
    return names.length ? this.jobs.find({ where: { name: In(names) } }) : [];
  }

  async list(query: JobListQueryDto): Promise<JobListResponse> {
    const limit = pageLimit(query);
    const { rows, total } = await this.store.listPage(query, limit + 1);
    const page = toPage(
      rows,
      limit,
      (j) => [j.group ?? '', j.name],
      (j) => this.view(j),
    );
    return { ...page, total };
  }

  async findView(idOrName: string): Promise<JobView> {
    return this.view(await this.get(idOrName));
  }

  async create(dto: CreateJobDto): Promise<JobView> {
    const { fields, errors } = this.validator.build(dto, undefined, await this.secretParamsOf(dto));
    if (errors.length) throw new BadRequestException(errors);
    const saved = await this.dataSource.transaction(async (m) => {
      await lockJobWrites(m);
      if (await m.getRepository(Job).exists({ where: { name: fields.name } })) {
        throw new ConflictException(`A job named ${fields.name} already exists`);
      }
      await this.checkChains(m, fields, undefined);
      const created = await m.getRepository(Job).save(m.getRepository(Job).create(fields));
      await this.catalogue.changed(m);
      return created;
    });
    this.catalogue.invalidate();
    return this.view(saved);
  }

  async update(idOrName: string, dto: UpdateJobDto): Promise<JobView> {
    const saved = await this.dataSource.transaction(async (m) => {
      await lockJobWrites(m);
      const current = await this.get(idOrName, m);
      if (dto.version !== undefined && dto.version !== current.version) {
        throw new ConflictException(
          `Job ${current.name} was changed meanwhile (version ${current.version}, not ${dto.version})`,
        );
      }
      const { version: _v, ...patch } = dto;
      const merged = { ...this.asDefinition(current), ...stripUndefined(patch) } as CreateJobDto;
      const { fields, errors } = this.validator.build(merged, current, await this.secretParamsOf(merged, m));
      if (errors.length) throw new BadRequestException(errors);
      if (fields.name !== current.name) {
        if (await m.getRepository(Job).exists({ where: { name: fields.name } })) {
          throw new ConflictException(`A job named ${fields.name} already exists`);
        }
        const referrers = await selectReferrerNames(m, current.name, current.id);
        if (referrers.length) {
          throw new ConflictException(
            `Job ${current.name} cannot be renamed: chains of ${referrers.join(', ')} refer to it`,
          );
        }
      }
      await this.checkChains(m, fields, current);
      m.getRepository(Job).merge(current, fields);
      const updated = await m.getRepository(Job).save(current);
      await this.catalogue.changed(m);
      return updated;
    });
    this.catalogue.invalidate();
    return this.view(saved);
  }

  async remove(idOrName: string): Promise<void> {
    await this.dataSource.transaction(async (m) => {
      await lockJobWrites(m);
      const job = await this.get(idOrName, m);
      const referrers = await selectReferrerNames(m, job.name, job.id);
      if (referrers.length) {
        throw new ConflictException(`Job ${job.name} cannot be deleted: chains of ${referrers.join(', ')} refer to it`);
      }
      await m.getRepository(Job).delete({ id: job.id });
      await this.catalogue.changed(m);
    });
    this.catalogue.invalidate();
  }

  /** A lookup of the secret params of the jobs `def`'s chain steps name (for sealing their values). */
  async secretParamsOf(
    def: Pick<CreateJobDto, 'onSuccess' | 'onFailure'>,
    manager?: EntityManager,
  ): Promise<(job: string) => string[]> {
    const names = [...new Set([...(def.onSuccess ?? []), ...(def.onFailure ?? [])].map((s) => String(s.job)))];
    const rows = names.length ? await (manager ?? this.jobs.manager).find(Job, { where: { name: In(names) } }) : [];
    const byName = new Map(rows.map((j) => [j.name, this.params.secretParamNames(j)]));
    return (job) => byName.get(job) ?? [];
  }

  /** The request a run with `params` would send (secrets masked); nothing is sent. */
  /** What a run with these params would get (defaults, templates, fan-out items); any executor kind. */
  async resolveParams(idOrName: string, dto: RenderRequestDto): Promise<ResolveParamsResponse> {
    const job = await this.get(idOrName);
    const now = dto.now ? new Date(dto.now) : new Date();
    const resolved = await this.params.resolve(job, dto.params ?? {}, { now });
    const fan = this.params.fanOutParam(job);
    const items = fan ? ((resolved[fan.name] as string[] | undefined) ?? []) : [];
    const secretItems = !!fan && this.params.secretParamNames(job).includes(fan.name);
    return {
      params: this.params.maskParams(job, resolved) as Record<string, JsonValue>,
      timezone: this.params.zoneOf(job),
      now: now.toISOString(),
      ...(fan ? { fanOut: { param: fan.name, items: secretItems ? items.map(() => MASK) : items } } : {}),
    };
  }

  async render(idOrName: string, dto: RenderRequestDto): Promise<RenderResponse> {
    const job = await this.get(idOrName);
    const now = dto.now ? new Date(dto.now) : new Date();
    const unknown = Object.keys(dto.push ?? {}).filter((k) => !(TEMPLATE_PUSH_FIELDS as readonly string[]).includes(k));
    if (unknown.length) {
      throw new BadRequestException(
        unknown.map((k) => `push.${k} is not a push field (push has ${TEMPLATE_PUSH_FIELDS.join(', ')})`),
      );
    }
    const push = dto.push ? { push: dto.push as Record<string, unknown> } : {};
    const resolved = await this.params.resolve(job, dto.params ?? {}, { now, ...push });
    const secret = this.params.taintedNames(job, dto.params);
    const fan = this.params.fanOutParam(job);
    const items = fan ? ((resolved[fan.name] as string[] | undefined) ?? []) : [];
    // A fan-out job sends one request per item: show the first one.
    const forRequest = fan && items.length ? { ...resolved, [fan.name]: items[0] } : resolved;
    const r = await this.renderer.render(job, forRequest, { now, ...push }, secret);
    return {
      params: this.params.maskParams(job, resolved, secret) as Record<string, JsonValue>,
      request: r.masked,
      timeoutMs: r.timeoutMs,
      followRedirects: r.followRedirects,
      maxResponseBytes: r.maxResponseBytes,
      successStatuses: r.successStatuses,
      ...(fan
        ? {
            fanOut: {
              param: fan.name,
              items: secret.includes(fan.name) ? items.map(() => MASK) : items,
            },
          }
        : {}),
    };
  }

  /** A job as the API returns it: secrets masked. */
  view(job: Job): JobView {
    const def = this.asDefinition(job, true);
    return {
      id: job.id,
      ...(def as unknown as Omit<JobView, 'id' | 'version' | 'createdAt' | 'updatedAt'>),
      version: job.version,
      createdAt: job.createdAt.toISOString(),
      updatedAt: job.updatedAt.toISOString(),
    };
  }

  /** The stored definition (secrets as stored, or masked). */
  private asDefinition(job: Job, mask = false): DefinitionFields {
    const maskSecret = (v: unknown): unknown =>
      mask && v && typeof v === 'object' && (v as { secret?: unknown }).secret === true
        ? ({ secret: true, set: !!(v as { value?: string }).value } satisfies MaskedSecret)
        : v;
    const maskMap = (o: unknown) =>
      Object.fromEntries(Object.entries((o ?? {}) as Record<string, unknown>).map(([k, v]) => [k, maskSecret(v)]));
    const ex = job.executor;
    const executor =
      ex.kind === 'command'
        ? {
            ...ex,
            env: maskMap(ex.env),
            checkout: ex.checkout
              ? { ...ex.checkout, token: ex.checkout.token ? maskSecret(ex.checkout.token) : null }
              : null,
          }
        : { ...ex, headers: maskMap(ex.headers) };
    return {
      name: job.name,
      title: job.title,
      group: job.group,
      description: job.description,
      enabled: job.enabled,
      executor,
      params: job.params.map((p) =>
        mapSourceSecrets(p.default === undefined ? { ...p } : { ...p, default: maskSecret(p.default) }, maskSecret),
      ),
      retry: job.retry,
      concurrency: job.concurrency,
      onSuccess: mask ? this.maskSteps(job.onSuccess) : job.onSuccess,
      onFailure: mask ? this.maskSteps(job.onFailure) : job.onFailure,
      needs:
        mask && job.needs?.params
          ? { ...job.needs, params: this.mappings.mask(job.needs.params as Record<string, unknown>) }
          : (job.needs ?? null),
      triggers:
        mask && Array.isArray(job.triggers?.github)
          ? {
              ...job.triggers,
              github: job.triggers.github.map((t) =>
                t.params ? { ...t, params: this.mappings.mask(t.params) as Record<string, JsonValue> } : t,
              ),
            }
          : job.triggers,
      notifications: job.notifications ?? [],
      timezone: job.timezone,
    };
  }

  private maskSteps(steps: Job['onSuccess']): Job['onSuccess'] {
    return (steps ?? []).map((s) => (s.params ? { ...s, params: this.mappings.mask(s.params) as typeof s.params } : s));
  }

  /**
   * Chain targets and needed jobs must exist; fan-in keys must be declared by every job they correlate;
   * the dependency graph (chains and needs together) must stay acyclic.
   */
  private async checkChains(m: EntityManager, fields: StoredJobFields, current: Job | undefined): Promise<void> {
    const byName = new Map<string, DependencyJob>();
    for (const { id, ...job } of await selectDependencyJobs(m)) {
      if (current && id === current.id) continue;
      byName.set(job.name, job);
    }
    const errors: string[] = [];
    for (const field of ['onSuccess', 'onFailure'] as const) {
      fields[field].forEach((s, i) => {
        if (s.job !== fields.name && !byName.has(s.job)) errors.push(`${field}.${i}.job: job ${s.job} does not exist`);
      });
    }
    byName.set(fields.name, fields);
    errors.push(...needsErrors('needs', fields, byName), ...neededByErrors(fields, byName));
    if (errors.length) throw new BadRequestException(errors);
    const cycle = findCycle(dependencyGraph(byName.values()), fields.name);
    if (cycle)
      throw new BadRequestException(`${cycleFields(byName.values())} would form a cycle: ${cycle.join(' -> ')}`);
  }
}

/**
 * A job's definition as stored or as shown: with `mask`, secret values (headers, env, the checkout token,
 * param defaults) are `MaskedSecret`s, so the executor and params are plain JSON objects here.
 */
type DefinitionFields = Omit<StoredJobFields, 'executor' | 'params'> & {
  executor: { kind: ExecutorKind } & Record<string, unknown>;
  params: Record<string, unknown>[];
};

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
