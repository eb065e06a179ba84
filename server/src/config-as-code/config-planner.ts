import { BadRequestException, Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Environment } from '../config/environment.js';
import { SecretBox } from '../common/secret-box.js';
import { CreateJobDto } from '../jobs/dto/job.dto.js';
import type { Job } from '../jobs/job.entity.js';
import { findCycle, JobValidator, type StoredJobFields } from '../jobs/job-validator.js';
import { cycleFields, dependencyGraph, type DependencyJob, neededByErrors, needsErrors } from '../jobs/needs-rules.js';
import { SecretMappings } from '../jobs/params/secret-mappings.js';
import type { Schedule } from '../schedules/schedule.entity.js';
import type { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { atPath, canonical, expandEnv, isPlainObject } from './config-file.js';
import { change, deletion, type Step, validateDto } from './plan-common.js';
import { planSchedules, scheduleDeletion, type ScheduleStep } from './schedule-plan.js';
import { planSources, type SourceStep } from './source-plan.js';

/** What the database holds now (read inside the apply transaction). */
export interface ConfigState {
  jobs: Job[];
  schedules: Schedule[];
  sources: WebhookSource[];
}

export interface ConfigPlan {
  jobs: Step<StoredJobFields, Job>[];
  schedules: ScheduleStep[];
  sources: SourceStep[];
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
  'needs',
  'triggers',
  'notifications',
  'timezone',
];
const TOP_LEVEL = new Set(['version', 'jobs', 'sources']);

/**
 * Turns a parsed jobs.yaml into a plan against the current state: every object create / update /
 * unchanged / delete. Validation reuses the REST DTOs, the JobValidator and the schedule compiler,
 * so the messages are the REST ones, prefixed with the file path (`jobs[3].schedules[0].cron ...`).
 * All errors are collected and thrown together (400); the caller then writes nothing.
 */
@Injectable()
export class ConfigPlanner {
  constructor(
    private readonly config: AppConfig,
    private readonly env: Environment,
    private readonly validator: JobValidator,
    private readonly box: SecretBox,
    private readonly mappings: SecretMappings,
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

    const plan: ConfigPlan = { jobs: [], schedules: [], sources: [] };
    const byName = new Map(state.jobs.map((j) => [j.name, j]));
    const fileJobs = new Map<string, { index: number; fields: StoredJobFields }>();
    const secretParamsOf = secretParamsLookup(state.jobs, listAt(doc, 'jobs', []));
    for (const [i, entry] of listAt(doc, 'jobs', errors).entries()) {
      const path = `jobs[${i}]`;
      if (!isPlainObject(entry)) {
        errors.push(`${path} must be a mapping (a job)`);
        continue;
      }
      const { schedules, ...jobInput } = entry;
      const dto = await validateDto(CreateJobDto, jobInput, path, errors);
      const name = dto?.name ?? (typeof entry.name === 'string' ? entry.name : path);
      const twin = fileJobs.get(name);
      if (twin) errors.push(`${path}.name ${name} is declared twice (also jobs[${twin.index}])`);
      const current = byName.get(name);
      if (dto && !twin) {
        const built = this.validator.build(dto, current, secretParamsOf);
        built.errors.forEach((e) => errors.push(atPath(path, e)));
        fileJobs.set(name, { index: i, fields: built.fields });
        const fields = current ? this.changedJobFields(built.fields, current) : [];
        plan.jobs.push({ change: change('job', name, path, !!current, fields), desired: built.fields, current });
      }
      // Schedules are checked even when their job is invalid: every error at once.
      const existing = current ? state.schedules.filter((s) => s.jobId === current.id) : [];
      const steps = await planSchedules(
        {
          input: schedules,
          jobPath: path,
          jobName: name,
          existing,
          defaultZone: this.config.DEFAULT_TIMEZONE,
          prune,
          reveal: (params, previous) => this.mappings.reveal(params, secretParamsOf(name), previous),
        },
        errors,
      );
      plan.schedules.push(...steps);
    }
    this.checkChains(fileJobs, state, prune, errors);
    if (prune) {
      for (const job of state.jobs) {
        if (fileJobs.has(job.name)) continue;
        for (const s of state.schedules) if (s.jobId === job.id) plan.schedules.push(scheduleDeletion(job.name, s));
        plan.jobs.push({ change: deletion('job', job.name), current: job });
      }
    }
    const sources = listAt(doc, 'sources', errors);
    plan.sources = await planSources(sources, state.sources, prune, (s) => this.tryDecrypt(s), errors);
    if (errors.length) throw new BadRequestException(errors);
    return plan;
  }

  /** Chain targets must exist after the apply; the chain graph must stay acyclic. */
  private checkChains(
    fileJobs: Map<string, { index: number; fields: StoredJobFields }>,
    state: ConfigState,
    prune: boolean,
    errors: string[],
  ): void {
    const byName = new Map<string, DependencyJob>();
    if (!prune) for (const j of state.jobs) byName.set(j.name, j);
    for (const [name, { fields }] of fileJobs) byName.set(name, fields);
    const graph = dependencyGraph(byName.values());
    const what = cycleFields(byName.values());
    const reported = new Set<string>();
    for (const [name, { index, fields }] of fileJobs) {
      for (const field of ['onSuccess', 'onFailure'] as const) {
        fields[field].forEach((s, k) => {
          if (!graph.has(String(s.job))) errors.push(`jobs[${index}].${field}[${k}].job: job ${s.job} does not exist`);
        });
      }
      errors.push(
        ...needsErrors(`jobs[${index}].needs`, fields, byName).map((e) =>
          e.replace(/needs\.jobs\.(\d+)/, 'needs.jobs[$1]'),
        ),
      );
      errors.push(...neededByErrors(fields, byName).map((e) => `jobs[${index}].${e}`));
      const cycle = findCycle(graph, name);
      const key = cycle ? [...cycle.slice(1)].sort().join(' ') : '';
      if (cycle && !reported.has(key)) {
        reported.add(key);
        errors.push(`jobs[${index}]: ${what} would form a cycle: ${cycle.join(' -> ')}`);
      }
    }
  }

  private changedJobFields(desired: StoredJobFields, current: Job): string[] {
    return JOB_FIELDS.filter(
      (f) => canonical(this.revealSecrets(f, desired[f])) !== canonical(this.revealSecrets(f, current[f])),
    );
  }

  /** Secrets are encrypted with a fresh IV each time: compare their plain text (in memory only). */
  private revealSecrets(field: keyof StoredJobFields, value: unknown): unknown {
    if (field === 'executor' && isPlainObject(value)) {
      const out: Record<string, unknown> = { ...value };
      for (const key of ['headers', 'env']) {
        const map = value[key];
        if (isPlainObject(map))
          out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, this.revealOne(v)]));
      }
      if (isPlainObject(value.checkout))
        out.checkout = { ...value.checkout, token: this.revealOne(value.checkout.token) };
      return out;
    }
    if ((field === 'onSuccess' || field === 'onFailure') && Array.isArray(value)) {
      return value.map((step: Record<string, unknown>) =>
        isPlainObject(step.params) ? { ...step, params: this.mappings.reveal(step.params) } : step,
      );
    }
    if (field === 'needs' && isPlainObject(value) && isPlainObject(value.params)) {
      return { ...value, params: this.mappings.reveal(value.params) };
    }
    if (field === 'triggers' && isPlainObject(value) && Array.isArray(value.github)) {
      return {
        ...value,
        github: value.github.map((t: Record<string, unknown>) =>
          isPlainObject(t.params) ? { ...t, params: this.mappings.reveal(t.params) } : t,
        ),
      };
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

/** Secret param names by job name: the file's jobs (as written) over the stored ones. */
function secretParamsLookup(stored: Job[], fileJobs: unknown[]): (job: string) => string[] {
  const names = (params: unknown): string[] =>
    Array.isArray(params)
      ? params.filter((p) => isPlainObject(p) && p.secret === true && typeof p.name === 'string').map((p) => p.name)
      : [];
  const byName = new Map(stored.map((j) => [j.name, names(j.params)]));
  for (const j of fileJobs) if (isPlainObject(j) && typeof j.name === 'string') byName.set(j.name, names(j.params));
  return (job) => byName.get(job) ?? [];
}

function listAt(doc: Record<string, unknown>, key: string, errors: string[]): unknown[] {
  const v = doc[key];
  if (v === undefined || v === null) return [];
  if (Array.isArray(v)) return v;
  errors.push(`${key} must be a list`);
  return [];
}
