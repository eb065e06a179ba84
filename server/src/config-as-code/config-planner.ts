import { BadRequestException, Injectable, ValidationPipe } from '@nestjs/common';
import type { ConfigChange, ConfigObjectKind } from '@api-manager/contracts';
import { AppConfig } from '../config/app-config.js';
import { Environment } from '../config/environment.js';
import { SecretBox } from '../common/secret-box.js';
import { CreateJobDto } from '../jobs/dto/job.dto.js';
import type { Job } from '../jobs/job.entity.js';
import { chainTargets, findCycle, JobValidator, type StoredJobFields } from '../jobs/job-validator.js';
import { UpdateScheduleDto } from '../schedules/dto/schedule.dto.js';
import { compileSpec, ScheduleSpecError } from '../schedules/schedule-clock.js';
import type { Schedule } from '../schedules/schedule.entity.js';
import { CreateWebhookSourceDto } from '../webhooks/dto/webhook-source.dto.js';
import type { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { atPath, canonical, expandEnv, isPlainObject } from './config-file.js';

/** What the database holds now (read inside the apply transaction). */
export interface ConfigState {
  jobs: Job[];
  schedules: Schedule[];
  sources: WebhookSource[];
}

/** A schedule as the file wants it (defaults filled in). */
export interface DesiredSchedule {
  name: string;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  params: Record<string, unknown>;
  enabled: boolean;
  startsAt: string | null;
  endsAt: string | null;
  misfirePolicy: Schedule['misfirePolicy'];
  misfireCap: number;
}

export interface DesiredSource {
  provider: WebhookSource['provider'];
  repository: string | null;
  insecure: boolean;
  description: string;
  /** Plain text; undefined = keep the stored one. */
  secret?: string;
}

export interface Step<D, C> {
  change: ConfigChange;
  desired?: D;
  current?: C;
}

export interface ConfigPlan {
  jobs: Step<StoredJobFields, Job>[];
  schedules: (Step<DesiredSchedule, Schedule> & { jobName: string })[];
  sources: Step<DesiredSource, WebhookSource>[];
}

const JOB_FIELDS: (keyof StoredJobFields)[] = [
  'name',
  'title',
  'group',
  'description',
  'enabled',
  'executor',
  'params',
  'retry',
  'concurrency',
  'onSuccess',
  'onFailure',
  'triggers',
  'timezone',
];
const SCHEDULE_FIELDS: (keyof DesiredSchedule)[] = [
  'name',
  'cron',
  'intervalSeconds',
  'timezone',
  'params',
  'enabled',
  'startsAt',
  'endsAt',
  'misfirePolicy',
  'misfireCap',
];
const TOP_LEVEL = new Set(['version', 'jobs', 'sources']);

/** The same pipe (and so the same messages) as the REST endpoints use. */
const pipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
});

/**
 * Turns a parsed jobs.yaml into a plan against the current state: every object create / update /
 * unchanged / delete. Validation reuses the REST DTOs, the JobValidator and the schedule compiler,
 * so the messages are the REST ones, prefixed with the file path (`jobs[3].schedules[0].cron ...`).
 * All errors are collected; the caller writes nothing when there is one.
 */
@Injectable()
export class ConfigPlanner {
  constructor(
    private readonly config: AppConfig,
    private readonly env: Environment,
    private readonly validator: JobValidator,
    private readonly box: SecretBox,
  ) {}

  async plan(raw: unknown, state: ConfigState, prune: boolean): Promise<ConfigPlan> {
    const errors: string[] = [];
    const doc = expandEnv(raw ?? {}, '', (n) => this.env.get(n), errors);
    if (!isPlainObject(doc)) throw new BadRequestException(['the file must be a mapping with jobs: and sources:']);
    for (const key of Object.keys(doc)) {
      if (!TOP_LEVEL.has(key))
        errors.push(`${key}: property ${key} should not exist (expected version, jobs, sources)`);
    }
    if (doc.version !== undefined && doc.version !== 1) errors.push('version must be 1');
    const jobsIn = listAt(doc, 'jobs', errors);
    const sourcesIn = listAt(doc, 'sources', errors);

    const plan: ConfigPlan = { jobs: [], schedules: [], sources: [] };
    const byName = new Map(state.jobs.map((j) => [j.name, j]));
    const fileJobs = new Map<string, { index: number; fields: StoredJobFields }>();

    for (const [i, entry] of jobsIn.entries()) {
      const path = `jobs[${i}]`;
      if (!isPlainObject(entry)) {
        errors.push(`${path} must be a mapping (a job)`);
        continue;
      }
      const { schedules, ...jobInput } = entry;
      const dto = await this.validate(CreateJobDto, jobInput, path, errors);
      if (!dto) continue;
      const twin = fileJobs.get(dto.name);
      if (twin) {
        errors.push(`${path}.name ${dto.name} is declared twice (also jobs[${twin.index}])`);
        continue;
      }
      const current = byName.get(dto.name);
      const built = this.validator.build(dto, current);
      built.errors.forEach((e) => errors.push(atPath(path, e)));
      fileJobs.set(dto.name, { index: i, fields: built.fields });
      const fields = current ? this.changedJobFields(built.fields, current) : undefined;
      plan.jobs.push({
        change: change('job', dto.name, current ? (fields!.length ? 'update' : 'unchanged') : 'create', path, fields),
        desired: built.fields,
        current,
      });
      await this.planSchedules(plan, schedules, path, dto.name, current, state, prune, errors);
    }
    this.checkChains(fileJobs, state, prune, errors);
    if (prune) {
      for (const job of state.jobs) {
        if (fileJobs.has(job.name)) continue;
        for (const s of state.schedules.filter((x) => x.jobId === job.id)) {
          plan.schedules.push({
            change: change('schedule', `${job.name}/${s.name}`, 'delete'),
            current: s,
            jobName: job.name,
          });
        }
        plan.jobs.push({ change: change('job', job.name, 'delete'), current: job });
      }
    }
    await this.planSources(plan, sourcesIn, state, prune, errors);
    if (errors.length) throw new BadRequestException(errors);
    return plan;
  }

  private async planSchedules(
    plan: ConfigPlan,
    input: unknown,
    jobPath: string,
    jobName: string,
    job: Job | undefined,
    state: ConfigState,
    prune: boolean,
    errors: string[],
  ): Promise<void> {
    if (input !== undefined && input !== null && !Array.isArray(input)) {
      errors.push(`${jobPath}.schedules must be a list`);
      return;
    }
    const existing = job ? state.schedules.filter((s) => s.jobId === job.id) : [];
    const seen = new Map<string, number>();
    for (const [k, entry] of ((input as unknown[] | null) ?? []).entries()) {
      const path = `${jobPath}.schedules[${k}]`;
      if (!isPlainObject(entry)) {
        errors.push(`${path} must be a mapping (a schedule)`);
        continue;
      }
      const dto = await this.validate(UpdateScheduleDto, entry, path, errors);
      if (!dto) continue;
      const desired: DesiredSchedule = {
        name: '',
        cron: dto.cron ?? null,
        intervalSeconds: dto.intervalSeconds ?? null,
        timezone: dto.timezone ?? this.config.DEFAULT_TIMEZONE,
        params: dto.params ?? {},
        enabled: dto.enabled ?? true,
        startsAt: dto.startsAt ? new Date(dto.startsAt).toISOString() : null,
        endsAt: dto.endsAt ? new Date(dto.endsAt).toISOString() : null,
        misfirePolicy: dto.misfirePolicy ?? 'run_once',
        misfireCap: dto.misfireCap ?? 100,
      };
      try {
        compileSpec({
          cron: desired.cron,
          intervalSeconds: desired.intervalSeconds,
          timezone: desired.timezone,
          startsAt: desired.startsAt ? new Date(desired.startsAt) : null,
          endsAt: desired.endsAt ? new Date(desired.endsAt) : null,
        });
      } catch (err) {
        if (!(err instanceof ScheduleSpecError)) throw err;
        errors.push(scheduleError(path, err.message));
        continue;
      }
      desired.name = dto.name ?? (desired.cron !== null ? desired.cron.trim() : `every ${desired.intervalSeconds}s`);
      if (seen.has(desired.name)) {
        errors.push(
          `${path}.name ${JSON.stringify(desired.name)} is used twice in job ${jobName} (also schedules[${seen.get(desired.name)}]); name one of them`,
        );
        continue;
      }
      seen.set(desired.name, k);
      const current = existing.find((s) => s.name === desired.name);
      const fields = current
        ? SCHEDULE_FIELDS.filter((f) => canonical(desired[f]) !== canonical(scheduleValue(current, f)))
        : undefined;
      plan.schedules.push({
        change: change(
          'schedule',
          `${jobName}/${desired.name}`,
          current ? (fields!.length ? 'update' : 'unchanged') : 'create',
          path,
          fields,
        ),
        desired,
        current,
        jobName,
      });
    }
    if (!prune) return;
    for (const s of existing) {
      if (!seen.has(s.name))
        plan.schedules.push({ change: change('schedule', `${jobName}/${s.name}`, 'delete'), current: s, jobName });
    }
  }

  private async planSources(
    plan: ConfigPlan,
    input: unknown[],
    state: ConfigState,
    prune: boolean,
    errors: string[],
  ): Promise<void> {
    const seen = new Map<string, number>();
    for (const [i, entry] of input.entries()) {
      const path = `sources[${i}]`;
      if (!isPlainObject(entry)) {
        errors.push(`${path} must be a mapping (a webhook source)`);
        continue;
      }
      const dto = await this.validate(CreateWebhookSourceDto, entry, path, errors);
      if (!dto) continue;
      const repository = dto.repository?.trim() || null;
      const key = sourceKey(dto.provider, repository);
      if (seen.has(key)) {
        errors.push(`${path}.repository ${key} is declared twice (also sources[${seen.get(key)}])`);
        continue;
      }
      seen.set(key, i);
      const current = state.sources.find((s) => sourceKey(s.provider, s.repository) === key);
      const desired: DesiredSource = {
        provider: dto.provider,
        repository,
        insecure: dto.insecure ?? false,
        description: dto.description ?? '',
        ...(dto.secret ? { secret: dto.secret } : {}),
      };
      if (!desired.secret && !current?.secret && !desired.insecure) {
        errors.push(`${path}.secret is required unless insecure is true (unsigned deliveries)`);
        continue;
      }
      let fields: string[] | undefined;
      if (current) {
        fields = (['repository', 'insecure', 'description'] as const).filter((f) => desired[f] !== current[f]);
        if (desired.secret !== undefined && desired.secret !== this.tryDecrypt(current.secret)) fields.push('secret');
      }
      plan.sources.push({
        change: change('source', key, current ? (fields!.length ? 'update' : 'unchanged') : 'create', path, fields),
        desired,
        current,
      });
    }
    if (!prune) return;
    for (const s of state.sources) {
      const key = sourceKey(s.provider, s.repository);
      if (!seen.has(key)) plan.sources.push({ change: change('source', key, 'delete'), current: s });
    }
  }

  /** Chain targets must exist after the apply; the chain graph must stay acyclic. */
  private checkChains(
    fileJobs: Map<string, { index: number; fields: StoredJobFields }>,
    state: ConfigState,
    prune: boolean,
    errors: string[],
  ): void {
    const graph = new Map<string, string[]>();
    if (!prune) for (const j of state.jobs) graph.set(j.name, chainTargets(j));
    for (const [name, { fields }] of fileJobs) graph.set(name, chainTargets(fields));
    const reported = new Set<string>();
    for (const [name, { index, fields }] of fileJobs) {
      for (const field of ['onSuccess', 'onFailure'] as const) {
        fields[field].forEach((s, k) => {
          if (!graph.has(String(s.job))) errors.push(`jobs[${index}].${field}[${k}].job: job ${s.job} does not exist`);
        });
      }
      const cycle = findCycle(graph, name);
      if (cycle && !reported.has([...cycle.slice(1)].sort().join(' '))) {
        reported.add([...cycle.slice(1)].sort().join(' '));
        errors.push(`jobs[${index}]: onSuccess/onFailure would form a cycle: ${cycle.join(' -> ')}`);
      }
    }
  }

  /** Validate with the REST DTO class; errors go to `errors` prefixed with `path`. */
  private async validate<T extends object>(
    metatype: new () => T,
    value: Record<string, unknown>,
    path: string,
    errors: string[],
  ): Promise<T | null> {
    try {
      return (await pipe.transform(value, { type: 'body', metatype })) as T;
    } catch (err) {
      if (!(err instanceof BadRequestException)) throw err;
      const body = err.getResponse() as { message?: string | string[] };
      const messages = Array.isArray(body.message) ? body.message : [String(body.message ?? err.message)];
      messages.forEach((m) => errors.push(atPath(path, m)));
      return null;
    }
  }

  private changedJobFields(desired: StoredJobFields, current: Job): string[] {
    return JOB_FIELDS.filter(
      (f) => canonical(this.revealSecrets(f, desired[f])) !== canonical(this.revealSecrets(f, current[f])),
    );
  }

  /** Secrets are encrypted with a fresh IV each time: compare their plain text (in memory only). */
  private revealSecrets(field: keyof StoredJobFields, value: unknown): unknown {
    if (field === 'executor' && isPlainObject(value) && isPlainObject(value.headers)) {
      const headers = Object.fromEntries(Object.entries(value.headers).map(([k, v]) => [k, this.revealOne(v)]));
      return { ...value, headers };
    }
    if (field === 'params' && Array.isArray(value)) {
      return value.map((p: Record<string, unknown>) =>
        p.default === undefined ? p : { ...p, default: this.revealOne(p.default) },
      );
    }
    return value;
  }

  private revealOne(v: unknown): unknown {
    if (isPlainObject(v) && v.secret === true && typeof v.value === 'string') {
      return { secret: true, value: this.tryDecrypt(v.value) };
    }
    return v;
  }

  private tryDecrypt(sealed: string | null | undefined): string | null {
    if (!sealed) return null;
    try {
      return this.box.decrypt(sealed);
    } catch {
      return null;
    }
  }
}

function listAt(doc: Record<string, unknown>, key: string, errors: string[]): unknown[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  errors.push(`${key} must be a list`);
  return [];
}

function change(
  kind: ConfigObjectKind,
  name: string,
  action: ConfigChange['action'],
  path?: string,
  fields?: string[],
): ConfigChange {
  return { kind, name, action, ...(action === 'update' ? { fields } : {}), ...(path ? { path } : {}) };
}

export function sourceKey(provider: string, repository: string | null): string {
  return `${provider}:${repository ? repository.toLowerCase() : '*'}`;
}

function scheduleValue(s: Schedule, f: keyof DesiredSchedule): unknown {
  const v = s[f];
  return v instanceof Date ? v.toISOString() : v;
}

/** A schedule compiler message, at the path of the field it is about (`...schedules[0].cron: invalid cron ...`). */
function scheduleError(path: string, message: string): string {
  const first = message.split(' ')[0]!;
  if ((SCHEDULE_FIELDS as string[]).includes(first)) return atPath(path, message);
  const field = /\bcron\b/.test(message) ? 'cron' : /\binterval/.test(message) ? 'intervalSeconds' : null;
  return field ? `${path}.${field}: ${message}` : `${path}: ${message}`;
}
