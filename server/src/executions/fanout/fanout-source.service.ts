import { Injectable, type OnModuleInit } from '@nestjs/common';
import type { ExecutionFanOutInfo, FanOutSourceRecord } from '@api-manager/contracts';
import { AppConfig } from '../../config/app-config.js';
import type { Job } from '../../jobs/job.entity.js';
import { ParamsResolver, type ParamDef } from '../../jobs/params/params-resolver.js';
import { RequestRenderer } from '../../jobs/render/request-renderer.js';
import { EventsService } from '../events.service.js';
import { ExecutionDetailContributors } from '../execution-detail-contributors.js';
import type { Execution } from '../execution.entity.js';
import { HttpExecutor } from '../executors/http.executor.js';
import { FinalizerService } from '../finalizer.service.js';
import { Masker } from '../masking.js';
import { retrySettings } from '../retry-policy.js';
import type { RunHandle } from '../runner.service.js';
import { FanOutStore } from './fanout.store.js';
import { extractList } from './json-path.js';
import { matrixRows, matrixSize, type Dimension } from './matrix.js';

/** Most bytes of a source's answer read (a list of FANOUT_MAX ids fits many times over). */
const SOURCE_MAX_BYTES = 16 * 1024 * 1024;
const FIRST_ITEMS = 10;

type Fetched = { record: FanOutSourceRecord; items?: string[]; secrets: string[] };

/**
 * Fan-out params with a `source`: the parent run is queued without their items; the worker that claims
 * it calls the source (same renderer, URL guard, redirect and secret rules as an HTTP job), then writes
 * the children, or fails the parent with the reason. Never a default list instead.
 */
@Injectable()
export class FanOutSourceService implements OnModuleInit {
  constructor(
    private readonly params: ParamsResolver,
    private readonly renderer: RequestRenderer,
    private readonly http: HttpExecutor,
    private readonly store: FanOutStore,
    private readonly events: EventsService,
    private readonly finalizer: FinalizerService,
    private readonly config: AppConfig,
    private readonly details: ExecutionDetailContributors,
  ) {}

  onModuleInit(): void {
    this.details.register((id) => this.store.info(id));
  }

  /** Source params of `job` that this run has no items for yet (a parent waiting for its fetch). */
  pendingSources(exec: Execution, job: Job | undefined): ParamDef[] {
    if (!job || exec.trigger === 'fanout') return [];
    return this.params.fanOutParams(job).filter((d) => d.source && exec.params[d.name] === undefined);
  }

  async run(exec: Execution, job: Job, pending: ParamDef[], h: RunHandle): Promise<void> {
    void this.events.publish('execution', {
      id: exec.id,
      status: 'running',
      jobName: exec.jobName,
      attempt: exec.attempt,
    });
    const logs: [string, string][] = [];
    const records: FanOutSourceRecord[] = [];
    const secrets: string[] = [];
    let failure: string | null = null;
    let params = exec.params;
    const fetched = new Map<string, string[]>();
    try {
      if (this.params.taintedNames(job, exec.params).length) params = await this.params.resolve(job, exec.params);
      for (const def of pending) {
        const r = await this.fetch(exec, job, def, params, h.signal);
        records.push(r.record);
        secrets.push(...r.secrets);
        if (!r.items) {
          failure = `Fan-out source of params.${def.name} failed: ${r.record.error}`;
          break;
        }
        fetched.set(def.name, r.items);
        logs.push([
          'info',
          `Fan-out source ${r.record.method} ${r.record.url}: HTTP ${r.record.status}, ${r.items.length} items for params.${def.name}`,
        ]);
      }
    } catch (err) {
      failure = `Fan-out source could not be called: ${(err as Error).message}`;
    }
    if (h.abandoned()) return;
    const masker = new Masker(secrets);
    let dims: Dimension[] = [];
    if (!failure) {
      const secret = this.params.taintedNames(job, exec.params);
      dims = this.params.fanOutParams(job).map((d) => {
        const given = fetched.get(d.name) ?? params[d.name];
        const items = Array.isArray(given) ? given.map((x) => String(x)) : [];
        return {
          param: d.name,
          items: secret.includes(d.name)
            ? items.map((x) => this.params.sealParams(job, { [d.name]: x }, [d.name])[d.name] as string)
            : items,
        };
      });
      const size = matrixSize(dims);
      if (size > this.config.FANOUT_MAX) {
        failure =
          dims.length === 1
            ? `Fan-out source gave ${size} items for params.${dims[0].param}: a run fans out to at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`
            : `Fan-out: ${dims.map((d) => `${d.param} (${d.items.length})`).join(' × ')} make ${size} runs: at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`;
        for (const r of records) if (fetched.has(r.param)) r.error = failure;
      }
    }
    const info: ExecutionFanOutInfo = masker.value({
      parallelism: null,
      dimensions: dims.map((d) => ({ param: d.param, count: d.items.length })),
      sources: records,
    });
    if (failure) {
      const cancelled = records.some((r) => r.error === 'cancelled');
      const error = cancelled ? 'Cancelled while fetching the fan-out list' : masker.text(failure)!;
      const done = await this.store.sourceFailed(
        exec,
        h.owner,
        error,
        info,
        [...logs, ['error', error]].map((l) => [l[0], masker.text(l[1])!]),
        cancelled ? 'cancelled' : 'failed',
      );
      if (!done) return;
      void this.events.publish('execution', {
        id: done.id,
        status: done.status,
        jobName: done.jobName,
        parentId: done.parentId,
      });
      await this.finalizer.afterFinal(done, job, params, { secrets });
      return;
    }
    const stored = { ...exec.params };
    for (const d of dims) if (fetched.has(d.param)) stored[d.param] = d.items;
    const names = new Set(dims.map((d) => d.param));
    const items = matrixRows(dims);
    if (!items.length) logs.push(['info', 'The fan-out list is empty: nothing to run (succeeded with 0 children)']);
    const done = await this.store.sourceFetched(
      exec,
      h.owner,
      stored,
      info,
      {
        jobId: job.id,
        jobName: job.name,
        actor: exec.actor,
        maxAttempts: retrySettings(job.retry).maxAttempts,
        runAt: null,
        push: exec.push,
        base: Object.fromEntries(Object.entries(exec.params).filter(([k]) => !names.has(k))),
      },
      items,
      logs.map((l) => [l[0], masker.text(l[1])!]),
    );
    if (!done) return;
    void this.events.publish('execution', {
      id: done.id,
      status: done.status,
      jobName: done.jobName,
      progress: { total: done.childrenTotal, done: 0, failed: 0, cancelled: 0 },
    });
    if (done.status !== 'running') await this.finalizer.afterFinal(done, job, params, { secrets });
  }

  /** One source call: the list, or the reason it is not one. */
  private async fetch(
    exec: Execution,
    job: Job,
    def: ParamDef,
    params: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Fetched> {
    const src = def.source!;
    const probe = {
      ...job,
      executor: {
        kind: 'http',
        method: src.method ?? 'GET',
        url: src.url,
        headers: src.headers ?? {},
        timeoutMs: src.timeoutMs ?? 10_000,
        maxResponseBytes: SOURCE_MAX_BYTES,
        followRedirects: true,
      },
    } as Job;
    const secretParams = this.params.taintedNames(job, exec.params);
    const req = await this.renderer.render(
      probe,
      params,
      { execution: { id: exec.id, attempt: exec.attempt } },
      secretParams,
    );
    const record: FanOutSourceRecord = {
      param: def.name,
      url: req.masked.url,
      method: req.method,
      status: null,
      count: null,
      firstItems: [],
      error: null,
      fetchedAt: new Date().toISOString(),
    };
    const fail = (error: string): Fetched => ({ record: { ...record, error }, secrets: req.secrets });
    const out = await this.http.execute(req, `${exec.id}:${def.name}`, exec.attempt, signal);
    record.status = out.status ?? null;
    switch (out.kind) {
      case 'cancelled':
        return fail('cancelled');
      case 'timeout':
        return fail(`timed out after ${req.timeoutMs} ms`);
      case 'network':
        return fail(out.error ?? 'network error');
      case 'http':
        break;
    }
    if (out.status! < 200 || out.status! > 299) return fail(`HTTP ${out.status} (a 2xx answer is needed)`);
    if (out.truncated) return fail(`the answer is larger than ${SOURCE_MAX_BYTES} bytes`);
    let doc = out.body;
    if (typeof doc === 'string') {
      const text = doc;
      try {
        doc = JSON.parse(text) as unknown;
      } catch {
        return fail(
          `the answer is not JSON (${text.length ? `starts with ${JSON.stringify(text.slice(0, 40))}` : 'empty'})`,
        );
      }
    }
    const list = extractList(doc, src.jsonPath, src.itemField);
    if ('error' in list) return fail(list.error);
    if (list.items.length > this.config.FANOUT_MAX) {
      return fail(`${list.items.length} items: a run fans out to at most ${this.config.FANOUT_MAX} (FANOUT_MAX)`);
    }
    const shown = def.secret ? list.items.slice(0, FIRST_ITEMS).map(() => '***') : list.items.slice(0, FIRST_ITEMS);
    return {
      record: { ...record, count: list.items.length, firstItems: shown },
      items: list.items,
      secrets: req.secrets,
    };
  }
}
