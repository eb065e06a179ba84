import { Injectable } from '@nestjs/common';
import type {
  ChainStep,
  CommandCheckout,
  CommandCommitBack,
  CommandExecutorDefinition,
  HttpExecutorDefinition,
  HttpMethod,
  JobNeeds,
  SecretInput,
} from '@api-manager/contracts';
import { SecretBox, SecretBoxError } from '../common/secret-box.js';
import path from 'node:path';
import { AppConfig } from '../config/app-config.js';
import type { CommandExecutorDto, CreateJobDto, HttpExecutorDto } from './dto/job.dto.js';
import type { Job } from './job.entity.js';
import { coerceParam, type ParamDef } from './params/params-resolver.js';
import { checkFanOutParams } from './params/fanout-params.js';
import { SecretMappings } from './params/secret-mappings.js';
import { DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT_MS } from './render/request-renderer.js';
import { hasTemplateMarkers, TemplateEngine } from './templating/template-engine.js';
import { triggerFilterErrors } from '../../../libs/contracts/src/filter-pattern.js';
import type { VariableScope } from './templating/template-variables.js';
import { DEFAULT_NEEDS_DEADLINE, deadlineMs } from './dto/needs.dto.js';

/** The columns of a job as stored: defaults filled in, secrets encrypted. */
export type StoredJobFields = Pick<
  Job,
  | 'name'
  | 'title'
  | 'group'
  | 'description'
  | 'enabled'
  | 'executor'
  | 'params'
  | 'retry'
  | 'concurrency'
  | 'onSuccess'
  | 'onFailure'
  | 'needs'
  | 'triggers'
  | 'notifications'
  | 'timezone'
>;

export const DEFAULT_SHELL = '/bin/sh -e';
export const DEFAULT_COMMAND_TIMEOUT_MS = 600_000;
export const COMMAND_JOBS_DISABLED =
  'executor.kind command is disabled on this server: command jobs run shell scripts and need COMMAND_JOBS_ENABLED=true';

const isSecretInput = (v: unknown): v is { secret: true; value?: string } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && (v as { secret?: unknown }).secret === true;

/** Checks beyond the DTO (cross-field rules, templates) and builds the stored form. */
@Injectable()
export class JobValidator {
  constructor(
    private readonly templates: TemplateEngine,
    private readonly secrets: SecretBox,
    private readonly config: AppConfig,
    private readonly mappings: SecretMappings,
  ) {}

  /**
   * Normalize a complete definition (defaults filled in) and encrypt secrets. `previous` supplies stored
   * secrets for `{secret: true}` without a value. `secretParamsOf(job)` names a chain target's secret params
   * (their values in a chain step's params are sealed; unknown targets: only `{secret: true}` values are).
   * Returns the stored fields and every error found.
   */
  build(
    def: CreateJobDto,
    previous?: Job,
    secretParamsOf: (job: string) => readonly string[] = () => [],
  ): { fields: StoredJobFields; errors: string[] } {
    const errors: string[] = [];
    // Which variables each kind of template may read (an unknown one is a 400 naming it).
    const declared = (def.params ?? []).map((p) => p.name);
    const scope: VariableScope = { roots: ['params', 'execution', 'push'], params: declared };
    const executor =
      def.executor.kind === 'command'
        ? this.buildCommand(def.executor as CommandExecutorDto, previous, errors, scope)
        : this.buildHttp(def.executor as HttpExecutorDto, previous, errors, scope);

    const params = this.buildParams(def, previous, errors);
    for (const [field, steps] of [
      ['onSuccess', def.onSuccess ?? []],
      ['onFailure', def.onFailure ?? []],
    ] as const) {
      steps.forEach((s, i) =>
        this.checkValueTemplates(`${field}.${i}.params`, s.params ?? {}, errors, {
          roots: ['parent', 'push'],
          params: declared,
        }),
      );
    }
    const needs = this.buildNeeds(def, previous, errors);
    const channels = (def.notifications ?? []).map((n) => n.channel);
    channels.forEach((c, i) => {
      if (channels.indexOf(c) !== i) errors.push(`notifications.${i}.channel ${c} is listed twice`);
    });
    (def.triggers?.github ?? []).forEach((t, i) => {
      this.checkValueTemplates(`triggers.github.${i}.params`, t.params ?? {}, errors, { roots: ['push'], params: [] });
      errors.push(...triggerFilterErrors(`triggers.github.${i}`, t));
    });
    // Secret values in chain steps' and triggers' params are sealed like the job's own (guarantee 5).
    const ownSecrets = params.filter((p) => p.secret).map((p) => p.name);
    const stepSecrets = (job: string) => (job === def.name ? ownSecrets : secretParamsOf(job));
    const sealSteps = (field: 'onSuccess' | 'onFailure') =>
      stripSteps(def[field]).map((s, i) => {
        if (s.params === undefined) return s;
        const prev = previous?.[field]?.[i];
        const prevParams = prev?.job === s.job ? (prev.params as Record<string, unknown> | undefined) : undefined;
        const sealed = this.mappings.seal(s.params, stepSecrets(s.job), prevParams, `${field}.${i}.params`, errors);
        return { job: s.job, params: sealed as ChainStep['params'] };
      });
    const prevTriggers = (previous?.triggers?.github ?? []) as { params?: Record<string, unknown> }[];
    const github = (def.triggers?.github ?? []).map((t, i) =>
      t.params === undefined
        ? { ...t }
        : {
            ...t,
            params: this.mappings.seal(
              t.params,
              ownSecrets,
              prevTriggers[i]?.params,
              `triggers.github.${i}.params`,
              errors,
            ) as typeof t.params,
          },
    );

    const c = def.concurrency ?? {};
    if (c.overlap === 'allow' && c.max !== undefined && c.max !== null) {
      // Silently queueing (what a cap does) would contradict "allow": say so instead.
      errors.push(
        `concurrency.max ${c.max} contradicts concurrency.overlap allow (allow = no limit on runs at once): ` +
          `use overlap queue (wait for a free slot) or skip (drop the new run) with max, or drop max`,
      );
    }
    const max = c.max ?? (c.overlap === 'queue' || c.overlap === 'skip' ? 1 : null);
    const r = def.retry ?? {};
    const fields: StoredJobFields = {
      name: def.name,
      title: def.title ?? '',
      group: def.group ?? null,
      description: def.description ?? '',
      enabled: def.enabled ?? true,
      executor,
      params,
      retry: {
        maxAttempts: r.maxAttempts ?? 1,
        backoff: r.backoff ?? 'exponential',
        initialDelayMs: r.initialDelayMs ?? 1000,
        maxDelayMs: r.maxDelayMs ?? 60_000,
        jitter: r.jitter ?? true,
      },
      concurrency: {
        max,
        overlap: c.overlap ?? (max === null ? 'allow' : 'queue'),
        fanOutParallelism: c.fanOutParallelism ?? 4,
      },
      onSuccess: sealSteps('onSuccess'),
      onFailure: sealSteps('onFailure'),
      needs,
      triggers: github.length ? { github } : {},
      notifications: (def.notifications ?? []).map((n) => ({ channel: n.channel, on: [...n.on] })),
      timezone: def.timezone ?? null,
    };
    return { fields, errors };
  }

  /** `needs` normalized (defaults filled in), its params' templates checked and secret values sealed. */
  private buildNeeds(def: CreateJobDto, previous: Job | undefined, errors: string[]): StoredJobFields['needs'] {
    const n = def.needs;
    if (!n) return null;
    if (deadlineMs(n.deadline) === undefined) errors.push('needs.deadline must be between 1 ms and 30 days');
    const out: JobNeeds = {
      jobs: [...n.jobs],
      key: [...n.key],
      onFailure: n.onFailure ?? 'skip',
      deadline: n.deadline ?? DEFAULT_NEEDS_DEADLINE,
    };
    if (n.params !== undefined) {
      this.checkValueTemplates('needs.params', n.params, errors, { roots: ['needs'], params: [] });
      const own = (def.params ?? []).filter((p) => p.secret).map((p) => p.name);
      const prev = previous?.needs?.params;
      out.params = this.mappings.seal(n.params, own, prev, 'needs.params', errors);
    }
    return out;
  }

  private buildHttp(
    ex: HttpExecutorDto,
    previous: Job | undefined,
    errors: string[],
    scope: VariableScope,
  ): HttpExecutorDefinition {
    const method = (ex.method ?? 'GET').toUpperCase() as HttpMethod;
    const headers: Record<string, string | SecretInput> = {};
    const prevHeaders: Record<string, unknown> =
      (previous?.executor.kind === 'http' ? previous.executor.headers : undefined) ?? {};
    for (const [name, v] of Object.entries(ex.headers ?? {})) {
      if (typeof v === 'string') {
        this.checkTemplate(`executor.headers.${name}`, v, errors, scope);
        headers[name] = v;
        continue;
      }
      headers[name] = this.sealSecret(`executor.headers.${name}`, v, findCaseInsensitive(prevHeaders, name), errors);
    }
    this.checkTemplate('executor.url', ex.url, errors, scope);
    for (const [k, v] of Object.entries(ex.query ?? {})) {
      (Array.isArray(v) ? v : [v]).forEach((s) => this.checkTemplate(`executor.query.${k}`, s, errors, scope));
    }
    if (ex.body !== undefined && ex.body !== null) {
      if (method === 'GET' || method === 'HEAD') errors.push(`executor.body is not allowed with method ${method}`);
      this.checkValueTemplates('executor.body', ex.body, errors, scope);
    }
    const executor: HttpExecutorDefinition = {
      kind: 'http',
      method,
      url: ex.url,
      query: ex.query ?? {},
      headers,
      timeoutMs: ex.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      successStatuses: ex.successStatuses ?? ['2xx'],
      maxResponseBytes: ex.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      followRedirects: ex.followRedirects ?? false,
    };
    if (ex.body !== undefined && ex.body !== null) executor.body = ex.body;
    return executor;
  }

  private buildCommand(
    ex: CommandExecutorDto,
    previous: Job | undefined,
    errors: string[],
    scope: VariableScope,
  ): CommandExecutorDefinition {
    if (!this.config.COMMAND_JOBS_ENABLED) errors.push(COMMAND_JOBS_DISABLED);
    const prev = previous?.executor.kind === 'command' ? previous.executor : undefined;
    const env: Record<string, string | SecretInput> = {};
    const prevEnv: Record<string, unknown> = prev?.env ?? {};
    for (const [name, v] of Object.entries(ex.env ?? {})) {
      if (typeof v === 'string') {
        this.checkTemplate(`executor.env.${name}`, v, errors, scope);
        env[name] = v;
      } else env[name] = this.sealSecret(`executor.env.${name}`, v, prevEnv[name], errors);
    }
    const wd = ex.workingDirectory?.trim() || null;
    if (wd && (path.isAbsolute(wd) || wd.split(/[\\/]/).includes('..'))) {
      errors.push('executor.workingDirectory must be a relative path inside the workspace (no leading / and no ..)');
    }
    let checkout: CommandCheckout | null = null;
    if (ex.checkout) {
      const c = ex.checkout;
      if (c.ref) this.checkTemplate('executor.checkout.ref', c.ref, errors, scope);
      const prevToken = prev?.checkout?.token;
      checkout = {
        url: c.url?.trim() || null,
        ref: c.ref?.trim() || null,
        token: c.token ? this.sealSecret('executor.checkout.token', c.token, prevToken, errors) : null,
        tokenUser: c.tokenUser ?? 'x-access-token',
        depth: c.depth ?? 50,
      };
      if (checkout.url && /^[a-z][a-z0-9+.-]*:\/\/[^/@]*@/i.test(String(checkout.url))) {
        errors.push('executor.checkout.url must not contain credentials: use executor.checkout.token');
      }
    }
    let commitBack: CommandCommitBack | null = null;
    if (ex.commitBack) {
      if (!checkout) errors.push('executor.commitBack needs executor.checkout');
      commitBack = {
        authorName: ex.commitBack.authorName ?? 'API Manager',
        authorEmail: ex.commitBack.authorEmail ?? 'api-manager@localhost',
      };
    }
    return {
      kind: 'command',
      script: ex.script,
      shell: ex.shell ?? DEFAULT_SHELL,
      env,
      timeoutMs: ex.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      workingDirectory: wd,
      checkout,
      commitBack,
    };
  }

  private buildParams(def: CreateJobDto, previous: Job | undefined, errors: string[]): ParamDef[] {
    const seen = new Set<string>();
    const prevParams = (previous?.params ?? []) as ParamDef[];
    const zone = def.timezone ?? this.templates.defaultZone();
    const out = (def.params ?? []).map((p, i) => {
      const path = `params.${i}`;
      if (seen.has(p.name)) errors.push(`${path}.name ${p.name} is declared twice`);
      seen.add(p.name);
      if (p.type === 'enum' && !p.enum?.length) errors.push(`${path}.enum must list the allowed values`);
      if (p.type !== 'enum' && p.enum !== undefined) errors.push(`${path}.enum is only allowed on enum params`);
      const out: ParamDef = { name: p.name, type: p.type };
      for (const key of ['title', 'description', 'required', 'pattern', 'enum', 'fanOut', 'secret', 'step'] as const) {
        if (p[key] !== undefined) (out as unknown as Record<string, unknown>)[key] = p[key];
      }
      const d = p.default;
      if (d === undefined || d === null) return out;
      if (p.secret) {
        const prev = prevParams.find((x) => x.name === p.name && x.secret)?.default;
        const input = typeof d === 'string' ? { secret: true as const, value: d } : d;
        if (!isSecretInput(input))
          errors.push(`${path}.default of a secret param must be a string or {"secret": true}`);
        else out.default = this.sealSecret(`${path}.default`, input, prev, errors);
        return out;
      }
      if (isSecretInput(d)) {
        errors.push(`${path}.default is a secret but the param is not marked secret`);
        return out;
      }
      if (typeof d === 'string' && hasTemplateMarkers(d)) {
        this.checkTemplate(`${path}.default`, d, errors, { roots: ['push'], params: [] });
      } else {
        const res = coerceParam(out, d, `${path}.default`, zone, new Date());
        if (typeof res === 'string') errors.push(res.slice(1));
      }
      out.default = d;
      return out;
    });
    const seal = (at: string, input: { secret: true; value?: string }, prev: unknown) =>
      this.sealSecret(at, input, prev, errors);
    checkFanOutParams(def.params ?? [], out, prevParams, zone, this.config.FANOUT_MAX, seal, errors);
    return out;
  }

  private sealSecret(
    path: string,
    input: { secret: true; value?: string },
    previous: unknown,
    errors: string[],
  ): SecretInput {
    if (input.value === undefined || input.value === '') {
      const prev = isSecretInput(previous) ? previous.value : undefined;
      return prev ? { secret: true, value: prev } : { secret: true };
    }
    if (this.secrets.isEncrypted(input.value)) {
      try {
        this.secrets.decrypt(input.value);
      } catch (err) {
        errors.push(
          `${path}.value ${err instanceof SecretBoxError ? 'cannot be decrypted with this server key' : 'is invalid'}`,
        );
      }
      return { secret: true, value: input.value };
    }
    return { secret: true, value: this.secrets.encrypt(input.value) };
  }

  private checkTemplate(path: string, template: string, errors: string[], scope: VariableScope): void {
    if (!hasTemplateMarkers(template)) return;
    try {
      this.templates.check(template, scope);
    } catch (err) {
      errors.push(`${path} has a template error: ${(err as Error).message}`);
    }
  }

  private checkValueTemplates(path: string, value: unknown, errors: string[], scope: VariableScope): void {
    // A secret value is a value, not a template (and an error message must not quote it).
    if (isSecretInput(value)) return;
    if (typeof value === 'string') this.checkTemplate(path, value, errors, scope);
    else if (Array.isArray(value)) value.forEach((v, i) => this.checkValueTemplates(`${path}.${i}`, v, errors, scope));
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) this.checkValueTemplates(`${path}.${k}`, v, errors, scope);
    }
  }
}

function stripSteps(steps: ChainStep[] | undefined): ChainStep[] {
  return (steps ?? []).map((s) => (s.params === undefined ? { job: s.job } : { job: s.job, params: s.params }));
}

function findCaseInsensitive(o: Record<string, unknown>, name: string): unknown {
  if (name in o) return o[name];
  const key = Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : o[key];
}

/** The chain edges (job name -> names it triggers) of a stored job. */
export function chainTargets(job: Pick<Job, 'onSuccess' | 'onFailure'>): string[] {
  return [...(job.onSuccess ?? []), ...(job.onFailure ?? [])].map((s) => String(s.job));
}

/** A cycle through `start` in the graph, as a list of names (start ... start), or null. */
export function findCycle(graph: Map<string, string[]>, start: string): string[] | null {
  const path: string[] = [start];
  const visited = new Set<string>();
  const dfs = (node: string): boolean => {
    for (const next of graph.get(node) ?? []) {
      if (next === start) {
        path.push(next);
        return true;
      }
      if (visited.has(next)) continue;
      visited.add(next);
      path.push(next);
      if (dfs(next)) return true;
      path.pop();
    }
    return false;
  };
  return dfs(start) ? path : null;
}
