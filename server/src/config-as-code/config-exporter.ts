import { mapSourceSecrets } from '../jobs/params/fanout-params.js';
import { Injectable } from '@nestjs/common';
import { Document, isMap, isSeq } from 'yaml';
import type { Job } from '../jobs/job.entity.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, DEFAULT_SHELL } from '../jobs/job-validator.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from '../jobs/render/request-renderer.js';
import type { Schedule } from '../schedules/schedule.entity.js';
import type { WebhookSource } from '../webhooks/webhook-source.entity.js';
import { canonical, escapeEnvRefs, isPlainObject } from './config-file.js';
import type { ConfigState } from './config-planner.js';

const EXECUTOR_DEFAULTS: Record<string, unknown> = {
  method: 'GET',
  query: {},
  headers: {},
  timeoutMs: DEFAULT_TIMEOUT_MS,
  successStatuses: ['2xx'],
  maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES,
  followRedirects: false,
};
const COMMAND_DEFAULTS: Record<string, unknown> = {
  shell: DEFAULT_SHELL,
  env: {},
  timeoutMs: DEFAULT_COMMAND_TIMEOUT_MS,
  workingDirectory: null,
  checkout: null,
  commitBack: null,
};
const RETRY_DEFAULTS = {
  maxAttempts: 1,
  backoff: 'exponential',
  initialDelayMs: 1000,
  maxDelayMs: 60_000,
  jitter: true,
};
const SCHEDULE_DEFAULTS: Record<string, unknown> = {
  params: {},
  enabled: true,
  startsAt: null,
  endsAt: null,
  misfirePolicy: 'run_once',
  misfireCap: 100,
};

/**
 * GET /api/v1/config/export: the current jobs, schedules and sources as jobs.yaml. Defaults are left
 * out; secrets never leave: secret headers and params are written as `{secret: true}` (applying that
 * keeps the stored value), source secrets are omitted with a comment.
 */
@Injectable()
export class ConfigExporter {
  toYaml(state: ConfigState, now = new Date()): string {
    const jobs = state.jobs.map((job) =>
      this.job(
        job,
        state.schedules.filter((s) => s.jobId === job.id),
      ),
    );
    const sources = state.sources.map((s) => this.source(s));
    const doc = new Document({ version: 1, jobs, ...(sources.length ? { sources } : {}) });
    doc.commentBefore =
      ` API Manager configuration, exported ${now.toISOString()}.\n` +
      ' Secrets are not exported: {secret: true} keeps the stored value when applied;\n' +
      ' give a new one as {secret: true, value: ${ENV_NAME}} (expanded from the server environment).';
    const seq = doc.get('sources', true);
    if (isSeq(seq)) {
      seq.items.forEach((item, i) => {
        if (isMap(item) && state.sources[i]?.secret) {
          item.commentBefore = ' secret: not exported (kept when applied); set it with secret: ${ENV_NAME}';
        }
      });
    }
    return doc.toString({ lineWidth: 0 });
  }

  private job(job: Job, schedules: Schedule[]): Record<string, unknown> {
    const out: Record<string, unknown> = { name: job.name };
    if (job.title) out.title = job.title;
    if (job.group !== null) out.group = job.group;
    if (job.description) out.description = job.description;
    if (!job.enabled) out.enabled = false;
    if (job.timezone !== null) out.timezone = job.timezone;
    const command = job.executor.kind === 'command';
    const executor = withoutDefaults({ ...job.executor }, command ? COMMAND_DEFAULTS : EXECUTOR_DEFAULTS);
    for (const key of ['headers', 'env']) {
      const map = executor[key];
      if (isPlainObject(map))
        executor[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, hideSecret(v)]));
    }
    if (isPlainObject(executor.checkout)) {
      const c = withoutDefaults(executor.checkout, {
        url: null,
        ref: null,
        token: null,
        tokenUser: 'x-access-token',
        depth: 50,
      });
      if (c.token) c.token = hideSecret(c.token);
      executor.checkout = c;
    }
    out.executor = Object.fromEntries(
      Object.entries({ kind: 'http', ...executor }).sort(([a], [b]) => keyRank(a) - keyRank(b)),
    );
    if (job.params.length) {
      out.params = job.params.map((p) =>
        mapSourceSecrets(p.default === undefined ? p : { ...p, default: hideSecret(p.default) }, hideSecret),
      );
    }
    const retry = withoutDefaults({ ...job.retry }, RETRY_DEFAULTS);
    if (Object.keys(retry).length) out.retry = retry;
    const c = job.concurrency;
    if (!(c.max === null && c.overlap === 'allow' && c.fanOutParallelism === 4)) {
      out.concurrency = withoutDefaults({ ...c }, { fanOutParallelism: 4 });
    }
    const hideSteps = (steps: Job['onSuccess']) =>
      steps.map((st) => (isPlainObject(st.params) ? { ...st, params: hideSecrets(st.params) } : st));
    if (job.onSuccess.length) out.onSuccess = hideSteps(job.onSuccess);
    if (job.onFailure.length) out.onFailure = hideSteps(job.onFailure);
    if (job.needs)
      out.needs = isPlainObject(job.needs.params) ? { ...job.needs, params: hideSecrets(job.needs.params) } : job.needs;
    if (Array.isArray(job.triggers.github) && job.triggers.github.length) {
      out.triggers = {
        ...job.triggers,
        github: job.triggers.github.map((t) => (isPlainObject(t.params) ? { ...t, params: hideSecrets(t.params) } : t)),
      };
    }
    if (job.notifications?.length) out.notifications = job.notifications;
    if (schedules.length) out.schedules = schedules.map((s) => this.schedule(s));
    return escapeEnvRefs(out) as Record<string, unknown>;
  }

  private schedule(s: Schedule): Record<string, unknown> {
    const out: Record<string, unknown> = { name: s.name };
    if (s.cron !== null) out.cron = s.cron;
    else out.intervalSeconds = s.intervalSeconds;
    out.timezone = s.timezone;
    const rest = withoutDefaults(
      {
        params: hideSecrets(s.params),
        enabled: s.enabled,
        startsAt: s.startsAt?.toISOString() ?? null,
        endsAt: s.endsAt?.toISOString() ?? null,
        misfirePolicy: s.misfirePolicy,
        misfireCap: s.misfireCap,
      },
      SCHEDULE_DEFAULTS,
    );
    return { ...out, ...rest };
  }

  private source(s: WebhookSource): Record<string, unknown> {
    return {
      provider: s.provider,
      ...(s.repository ? { repository: s.repository } : {}),
      ...(s.insecure ? { insecure: true } : {}),
      ...(s.repoConfig ? { repoConfig: true } : {}),
      ...(s.description ? { description: s.description } : {}),
    };
  }
}

function withoutDefaults(o: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(o).filter(
      ([k, v]) => v !== undefined && !(k in defaults && canonical(v) === canonical(defaults[k])),
    ),
  );
}

function hideSecret(v: unknown): unknown {
  return isPlainObject(v) && v.secret === true ? { secret: true } : v;
}

/** A param mapping (schedule, chain step, trigger) with its sealed values as `{secret: true}`. */
function hideSecrets(o: Record<string, unknown> | null | undefined): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o ?? {}).map(([k, v]) => [k, hideSecret(v)]));
}

const EXECUTOR_ORDER = ['kind', 'method', 'url', 'query', 'headers', 'body', 'shell', 'script'];

/** The executor's keys in reading order (jsonb returns them sorted by length). */
function keyRank(key: string): number {
  const i = EXECUTOR_ORDER.indexOf(key);
  return i < 0 ? EXECUTOR_ORDER.length : i;
}
