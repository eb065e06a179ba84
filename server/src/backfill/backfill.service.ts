import { BadRequestException, ConflictException, Injectable } from '@nestjs/common';
import type { BackfillPreview, BackfillResponse, ExecutionFanOutInfo, JsonValue } from '@api-manager/contracts';
import { AppConfig } from '../config/app-config.js';
import { EventsService } from '../executions/events.service.js';
import { matrixRows, matrixSize, type Dimension } from '../executions/fanout/matrix.js';
import { retrySettings } from '../executions/retry-policy.js';
import type { Job } from '../jobs/job.entity.js';
import { JobsService } from '../jobs/jobs.service.js';
import { expandDateRange } from '../jobs/params/date-range.js';
import { coerceParam, ParamsResolver, type ParamDef } from '../jobs/params/params-resolver.js';
import { BackfillStore } from './backfill.store.js';
import type { BackfillRequestDto } from './backfill.dto.js';

const SAMPLE = 20;

interface Plan {
  job: Job;
  dates: string[];
  dateParam: string;
  dims: Dimension[];
  /** Params every child shares (resolved, secrets sealed), without the key params. */
  base: Record<string, unknown>;
  /** Names compared by only-missing: the key params and the fixed params given. */
  matchNames: string[];
  /** One JSON object per child (its key values), in order. */
  rows: string[];
  /** Positions in `rows` that run (all, or the missing ones). */
  run: number[];
}

/** Backfills: a job (a pipeline's root job) over a date range × key lists, optionally only what is missing. */
@Injectable()
export class BackfillService {
  constructor(
    private readonly jobs: JobsService,
    private readonly params: ParamsResolver,
    private readonly store: BackfillStore,
    private readonly events: EventsService,
    private readonly config: AppConfig,
  ) {}

  async preview(dto: BackfillRequestDto): Promise<BackfillPreview> {
    return this.summary(await this.plan(dto));
  }

  async create(
    dto: BackfillRequestDto,
    who: { trigger: 'manual' | 'api'; triggerRef: string | null; actor: string | null },
  ): Promise<BackfillResponse> {
    const p = await this.plan(dto);
    const { job } = p;
    const summary = this.summary(p);
    const fanOut: ExecutionFanOutInfo = {
      parallelism: dto.parallelism ?? null,
      dimensions: p.dims.map((d) => ({ param: d.param, count: d.items.length })),
      backfill: {
        dates: dto.dates,
        dateParam: p.dateParam,
        keyParams: p.dims.map((d) => d.param),
        onlyMissing: !!dto.onlyMissing,
        total: summary.total,
        skipped: summary.skipped,
      },
    };
    const lists = Object.fromEntries(p.dims.map((d) => [d.param, d.items]));
    const maxAttempts = retrySettings(job.retry).maxAttempts;
    const exec = await this.store.create(
      { jobId: job.id, jobName: job.name, ...who, params: { ...p.base, ...lists }, maxAttempts, fanOut },
      { jobId: job.id, jobName: job.name, actor: who.actor, maxAttempts, runAt: null, push: null, base: p.base },
      p.run.map((i) => p.rows[i]),
    );
    void this.events.publish('execution', {
      id: exec.id,
      status: exec.status,
      jobName: exec.jobName,
      progress: { total: exec.childrenTotal, done: 0, failed: 0, cancelled: 0 },
    });
    return { ...summary, executionId: exec.id };
  }

  private summary(p: Plan): BackfillPreview {
    return {
      job: p.job.name,
      dates: p.dates,
      total: p.rows.length,
      skipped: p.rows.length - p.run.length,
      toRun: p.run.length,
      sample: p.run.slice(0, SAMPLE).map((i) => JSON.parse(p.rows[i]) as Record<string, JsonValue>),
    };
  }

  private async plan(dto: BackfillRequestDto): Promise<Plan> {
    const job = await this.jobs.get(dto.job);
    if (!job.enabled) throw new ConflictException(`Job "${job.name}" is disabled: enable it before backfilling it`);
    const defs = (job.params ?? []) as ParamDef[];
    const byName = new Map(defs.map((d) => [d.name, d]));
    const zone = this.params.zoneOf(job);
    const now = new Date();
    const errors: string[] = [];

    const dateDef = dto.dateParam
      ? byName.get(dto.dateParam)
      : defs.find((d) => d.type === 'date' || d.type === 'daterange');
    if (!dateDef) {
      throw new BadRequestException([
        dto.dateParam
          ? `dateParam ${dto.dateParam} is not a parameter of job ${job.name}`
          : `job ${job.name} has no date param to receive the dates: add one (type date) or name it in dateParam`,
      ]);
    }
    if (!['date', 'daterange', 'string'].includes(dateDef.type)) {
      errors.push(`dateParam ${dateDef.name} is a ${dateDef.type} param: it must be a date, daterange or string param`);
    }
    const dates = expandDateRange(dto.dates, zone, now, dto.step ?? 1);
    if (typeof dates === 'string') throw new BadRequestException([`dates ${dates}`]);

    const given = dto.params ?? {};
    if (dateDef.name in given) errors.push(`params.${dateDef.name} is the date param: give the dates in dates`);
    const dims: Dimension[] = [];
    const fixed: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(given)) {
      const def = byName.get(name);
      if (!def) {
        errors.push(`params.${name} is not a parameter of job ${job.name}`);
        continue;
      }
      if (!Array.isArray(value) || (def.type === 'string[]' && !def.fanOut)) {
        fixed[name] = value;
        continue;
      }
      // A key list: each item is checked as one run's value of that param.
      const one: ParamDef = {
        ...def,
        type: def.type === 'string[]' ? 'string' : def.type === 'daterange' ? 'date' : def.type,
        fanOut: false,
      };
      const items: string[] = [];
      value.forEach((v, i) => {
        const r = coerceParam(one, v, `params.${name}[${i}]`, zone, now);
        if (typeof r === 'string') errors.push(r.slice(1));
        else items.push(String(r.value));
      });
      if (!items.length) errors.push(`params.${name} must not be empty`);
      dims.push({ param: name, items: [...new Set(items)] });
    }
    for (const d of defs) {
      if (d.fanOut && d.name !== dateDef.name && !dims.some((x) => x.param === d.name)) {
        errors.push(`params.${d.name} fans out: a backfill needs its items as a list in params (e.g. ["a","b"])`);
      }
    }
    if (errors.length) throw new BadRequestException(errors);
    dims.push({ param: dateDef.name, items: dates });

    const size = matrixSize(dims);
    if (size > this.config.FANOUT_MAX) {
      throw new BadRequestException([
        `${dims.map((d) => `${d.param} (${d.items.length})`).join(' × ')} make ${size} runs: a backfill creates at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`,
      ]);
    }
    // The params every child shares: resolved once (defaults, types) with the first key values standing in.
    const probe: Record<string, unknown> = { ...fixed };
    for (const d of dims) {
      const def = byName.get(d.param)!;
      probe[d.param] = def.type === 'string[]' || def.type === 'daterange' ? [d.items[0]] : d.items[0];
    }
    const resolved = await this.params.resolve(job, probe, { now });
    const secret = this.params.taintedNames(job, given);
    const keyNames = new Set(dims.map((d) => d.param));
    const base = Object.fromEntries(
      Object.entries(this.params.sealParams(job, resolved, secret)).filter(([k]) => !keyNames.has(k)),
    );
    for (const d of dims) {
      if (secret.includes(d.param)) {
        d.items = d.items.map((x) => this.params.sealParams(job, { [d.param]: x }, [d.param])[d.param] as string);
      }
    }
    const rows = matrixRows(dims);
    let run = rows.map((_, i) => i);
    // Only-missing compares the key params and the fixed values given (secret ones are sealed: never equal).
    const matchNames = [...keyNames, ...Object.keys(fixed).filter((k) => !secret.includes(k) && k in resolved)];
    if (dto.onlyMissing && rows.length) {
      const keys = rows.map((r) => {
        const key = JSON.parse(r) as Record<string, unknown>;
        for (const k of matchNames) if (!(k in key)) key[k] = resolved[k];
        return key;
      });
      run = await this.store.missingKeys(job.id, matchNames, keys);
    }
    return { job, dates, dateParam: dateDef.name, dims, base, matchNames, rows, run };
  }
}
