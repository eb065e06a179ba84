import { FormArray, FormControl, FormGroup, Validators } from '@angular/forms';
import type {
  ChainStep,
  CommandExecutorView,
  ExecutorKind,
  HttpExecutorView,
  GithubTrigger,
  HttpMethod,
  ExecutorDefinition,
  JobDefinition,
  JobView,
  JobNotification,
  JsonValue,
  NotificationEvent,
  ParamDefinition,
  ParamType,
  SecretInput,
} from '@api-manager/contracts';

export const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
export const PARAM_TYPES: readonly ParamType[] = [
  'string',
  'number',
  'boolean',
  'date',
  'datetime',
  'enum',
  'string[]',
];
export type BodyMode = 'none' | 'json' | 'text';
export const HTTP_TIMEOUT_MS = 30000;
export const COMMAND_TIMEOUT_MS = 600000;

const text = (value = '') => new FormControl(value, { nonNullable: true });
const flag = (value = false) => new FormControl(value, { nonNullable: true });

export function queryRow(key = '', value = '') {
  return new FormGroup({ key: text(key), value: text(value) });
}

/** A header; a secret one that is stored on the server shows no value (empty = keep it). */
export function headerRow(name = '', value = '', secret = false, stored = false) {
  return new FormGroup({ name: text(name), value: text(value), secret: flag(secret), stored: flag(stored) });
}

export function paramRow(def?: ParamDefinition<unknown>) {
  const fallback = def?.default;
  const storedSecret = typeof fallback === 'object' && fallback !== null && 'secret' in fallback;
  return new FormGroup({
    name: new FormControl(def?.name ?? '', { nonNullable: true, validators: [Validators.required] }),
    type: new FormControl<ParamType>(def?.type ?? 'string', { nonNullable: true }),
    title: text(def?.title ?? ''),
    description: text(def?.description ?? ''),
    required: flag(def?.required ?? false),
    default: text(
      fallback === undefined || fallback === null || storedSecret
        ? ''
        : Array.isArray(fallback)
          ? fallback.join('\n')
          : typeof fallback === 'string'
            ? fallback
            : JSON.stringify(fallback),
    ),
    pattern: text(def?.pattern ?? ''),
    enum: text((def?.enum ?? []).join(', ')),
    fanOut: flag(def?.fanOut ?? false),
    secret: flag(def?.secret ?? false),
    storedSecret: flag(storedSecret && (fallback as { set?: boolean }).set !== false),
  });
}

export function chainRow(step?: ChainStep) {
  return new FormGroup({
    job: new FormControl(step?.job ?? '', { nonNullable: true, validators: [Validators.required] }),
    params: text(step?.params && Object.keys(step.params).length ? JSON.stringify(step.params, null, 2) : ''),
  });
}

export function triggerRow(trigger?: GithubTrigger) {
  return new FormGroup({
    repository: new FormControl(trigger?.repository ?? '', { nonNullable: true, validators: [Validators.required] }),
    branches: text((trigger?.branches ?? []).join(', ')),
    watchFiles: text((trigger?.watchFiles ?? []).join('\n')),
    params: text(trigger?.params && Object.keys(trigger.params).length ? JSON.stringify(trigger.params, null, 2) : ''),
    testPaths: text(''),
    // Fields the editor has no inputs for yet, carried through unchanged so a save keeps them.
    kept: new FormControl<Partial<GithubTrigger>>(
      {
        ...(trigger?.provider ? { provider: trigger.provider } : {}),
        ...(trigger?.branchesIgnore ? { branchesIgnore: trigger.branchesIgnore } : {}),
        ...(trigger?.tags ? { tags: trigger.tags } : {}),
        ...(trigger?.tagsIgnore ? { tagsIgnore: trigger.tagsIgnore } : {}),
      },
      { nonNullable: true },
    ),
  });
}

/** `notifications[]`: a channel and the outcomes it hears about. */
export function notificationRow(rule?: JobNotification) {
  const on = rule?.on ?? ['failure'];
  return new FormGroup({
    channel: new FormControl(rule?.channel ?? '', { nonNullable: true, validators: [Validators.required] }),
    failure: flag(on.includes('failure')),
    recovery: flag(on.includes('recovery')),
    success: flag(on.includes('success')),
  });
}

export type QueryRow = ReturnType<typeof queryRow>;
export type HeaderRow = ReturnType<typeof headerRow>;
export type ParamRow = ReturnType<typeof paramRow>;
export type ChainRow = ReturnType<typeof chainRow>;
export type TriggerRow = ReturnType<typeof triggerRow>;
export type NotificationRow = ReturnType<typeof notificationRow>;

/** The editor's form. Control paths follow the API's field names, so a 400 lands on its field. */
export function jobForm() {
  return new FormGroup({
    name: new FormControl('', {
      nonNullable: true,
      validators: [Validators.required, Validators.pattern(/^[a-z0-9][a-z0-9._-]{0,99}$/)],
    }),
    title: text(),
    group: text(),
    description: text(),
    enabled: flag(true),
    timezone: text(),
    executor: new FormGroup({
      kind: new FormControl<ExecutorKind>('http', { nonNullable: true }),
      method: new FormControl<HttpMethod>('GET', { nonNullable: true }),
      url: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
      query: new FormArray<QueryRow>([]),
      headers: new FormArray<HeaderRow>([]),
      bodyMode: new FormControl<BodyMode>('none', { nonNullable: true }),
      body: text(),
      timeoutMs: new FormControl<number | null>(30000),
      successStatuses: text('2xx'),
      followRedirects: flag(false),
      // kind command
      script: text(),
      shell: text('/bin/sh -e'),
      env: new FormArray<HeaderRow>([]),
      workingDirectory: text(),
      checkout: new FormGroup({
        enabled: flag(false),
        url: text(),
        ref: text(),
        token: text(),
        tokenStored: flag(false),
        tokenUser: text('x-access-token'),
        depth: new FormControl<number | null>(50),
      }),
      commitBack: new FormGroup({
        enabled: flag(false),
        authorName: text('API Manager'),
        authorEmail: text('api-manager@localhost'),
      }),
    }),
    params: new FormArray<ParamRow>([]),
    retry: new FormGroup({
      maxAttempts: new FormControl<number | null>(1),
      backoff: new FormControl<'fixed' | 'exponential'>('exponential', { nonNullable: true }),
      initialDelayMs: new FormControl<number | null>(1000),
      maxDelayMs: new FormControl<number | null>(60000),
      jitter: flag(true),
    }),
    concurrency: new FormGroup({
      max: new FormControl<number | null>(null),
      overlap: new FormControl<'queue' | 'skip' | 'allow'>('allow', { nonNullable: true }),
      fanOutParallelism: new FormControl<number | null>(4),
    }),
    onSuccess: new FormArray<ChainRow>([]),
    onFailure: new FormArray<ChainRow>([]),
    triggers: new FormGroup({ github: new FormArray<TriggerRow>([]) }),
    notifications: new FormArray<NotificationRow>([]),
  });
}

export type JobForm = ReturnType<typeof jobForm>;

/** Fills the form from a job as the API returns it. */
export function fillForm(form: JobForm, job: JobView): void {
  form.patchValue({
    name: job.name,
    title: job.title,
    group: job.group ?? '',
    description: job.description,
    enabled: job.enabled,
    timezone: job.timezone ?? '',
    retry: job.retry,
    concurrency: job.concurrency,
  });
  const exec = form.controls.executor.controls;
  exec.query.clear();
  exec.headers.clear();
  exec.env.clear();
  if (job.executor.kind === 'command') {
    fillCommand(form, job.executor);
  } else {
    fillHttp(form, job.executor);
  }
  form.controls.params.clear();
  job.params.forEach((def) => form.controls.params.push(paramRow(def)));
  form.controls.onSuccess.clear();
  job.onSuccess.forEach((step) => form.controls.onSuccess.push(chainRow(step)));
  form.controls.onFailure.clear();
  job.onFailure.forEach((step) => form.controls.onFailure.push(chainRow(step)));
  const github = form.controls.triggers.controls.github;
  github.clear();
  (job.triggers.github ?? []).forEach((trigger) => github.push(triggerRow(trigger)));
  form.controls.notifications.clear();
  (job.notifications ?? []).forEach((rule) => form.controls.notifications.push(notificationRow(rule)));
}

function fillHttp(form: JobForm, ex: HttpExecutorView): void {
  const body = ex.body;
  form.controls.executor.patchValue({
    kind: 'http',
    method: ex.method,
    url: ex.url,
    bodyMode: body === undefined || body === null ? 'none' : typeof body === 'string' ? 'text' : 'json',
    body: body === undefined || body === null ? '' : typeof body === 'string' ? body : JSON.stringify(body, null, 2),
    timeoutMs: ex.timeoutMs,
    successStatuses: ex.successStatuses.join(', '),
    followRedirects: ex.followRedirects,
  });
  const exec = form.controls.executor.controls;
  for (const [key, value] of Object.entries(ex.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) {
      exec.query.push(queryRow(key, v));
    }
  }
  for (const [name, value] of Object.entries(ex.headers ?? {})) {
    exec.headers.push(typeof value === 'string' ? headerRow(name, value) : headerRow(name, '', true, value.set));
  }
}

function fillCommand(form: JobForm, ex: CommandExecutorView): void {
  const c = ex.checkout;
  form.controls.executor.patchValue({
    kind: 'command',
    url: '',
    script: ex.script,
    shell: ex.shell,
    timeoutMs: ex.timeoutMs,
    workingDirectory: ex.workingDirectory ?? '',
    checkout: {
      enabled: !!c,
      url: c?.url ?? '',
      ref: c?.ref ?? '',
      token: '',
      tokenStored: !!c?.token?.set,
      tokenUser: c?.tokenUser ?? 'x-access-token',
      depth: c?.depth ?? 50,
    },
    commitBack: {
      enabled: !!ex.commitBack,
      authorName: ex.commitBack?.authorName ?? 'API Manager',
      authorEmail: ex.commitBack?.authorEmail ?? 'api-manager@localhost',
    },
  });
  const exec = form.controls.executor.controls;
  for (const [name, value] of Object.entries(ex.env ?? {})) {
    exec.env.push(typeof value === 'string' ? headerRow(name, value) : headerRow(name, '', true, value.set));
  }
}

const split = (value: string, by: RegExp) =>
  value
    .split(by)
    .map((part) => part.trim())
    .filter((part) => part !== '');

/** Problems found before sending (bad JSON): path → message, like the API's. */
export type LocalErrors = string[];

function parseJson(value: string, path: string, errors: LocalErrors): JsonValue | undefined {
  if (value.trim() === '') {
    return undefined;
  }
  try {
    return JSON.parse(value) as JsonValue;
  } catch {
    errors.push(`${path} must be valid JSON`);
    return undefined;
  }
}

function jsonObject(value: string, path: string, errors: LocalErrors): Record<string, JsonValue> | undefined {
  const parsed = parseJson(value, path, errors);
  if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
    errors.push(`${path} must be a JSON object`);
    return undefined;
  }
  return parsed as Record<string, JsonValue> | undefined;
}

function paramDefault(row: ParamRow['value'], path: string, errors: LocalErrors): JsonValue | SecretInput | undefined {
  const raw = row.default ?? '';
  if (row.secret) {
    if (raw !== '') {
      return { secret: true, value: raw };
    }
    return row.storedSecret ? { secret: true } : undefined;
  }
  if (raw.trim() === '') {
    return undefined;
  }
  switch (row.type) {
    case 'number':
      return raw.includes('{{') ? raw : Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'string[]':
      return raw.trim().startsWith('[') ? parseJson(raw, path, errors) : split(raw, /\n/);
    default:
      return raw;
  }
}

/** The definition to send (POST, or PATCH replacing every top-level field). */
export function toDefinition(form: JobForm, errors: LocalErrors): JobDefinition {
  const v = form.getRawValue();
  const ex = v.executor;
  const query: Record<string, string | string[]> = {};
  for (const row of ex.query) {
    if (!row.key.trim()) continue;
    const prev = query[row.key];
    query[row.key] = prev === undefined ? row.value : [...(Array.isArray(prev) ? prev : [prev]), row.value];
  }
  const headers: Record<string, string | SecretInput> = {};
  for (const row of ex.headers) {
    if (!row.name.trim()) continue;
    headers[row.name.trim()] = row.secret
      ? row.value !== '' || !row.stored
        ? { secret: true, value: row.value }
        : { secret: true }
      : row.value;
  }
  let body: JsonValue | undefined;
  if (ex.bodyMode === 'json') {
    body = parseJson(ex.body, 'executor.body', errors);
  } else if (ex.bodyMode === 'text' && ex.body !== '') {
    body = ex.body;
  }
  const statuses = split(ex.successStatuses, /[\s,]+/).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const httpExecutor: ExecutorDefinition = {
    kind: 'http',
    method: ex.method,
    url: ex.url.trim(),
    query,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(ex.timeoutMs === null ? {} : { timeoutMs: ex.timeoutMs }),
    successStatuses: statuses.length ? statuses : ['2xx'],
    followRedirects: ex.followRedirects,
  };
  const chains = (rows: ChainRow['value'][], field: string): ChainStep[] =>
    rows.map((row, i) => {
      const params = jsonObject(row.params ?? '', `${field}.${i}.params`, errors);
      return params ? { job: row.job ?? '', params } : { job: row.job ?? '' };
    });

  return {
    name: v.name.trim(),
    title: v.title,
    group: v.group.trim() || null,
    description: v.description,
    enabled: v.enabled,
    timezone: v.timezone.trim() || null,
    executor: ex.kind === 'command' ? commandExecutor(ex) : httpExecutor,
    params: v.params.map((row, i) => {
      const def: ParamDefinition = { name: row.name.trim(), type: row.type };
      if (row.title) def.title = row.title;
      if (row.description) def.description = row.description;
      if (row.required) def.required = true;
      const fallback = paramDefault(row, `params.${i}.default`, errors);
      if (fallback !== undefined) def.default = fallback;
      if (row.pattern) def.pattern = row.pattern;
      if (row.type === 'enum') def.enum = split(row.enum, /,/);
      if (row.type === 'string[]' && row.fanOut) def.fanOut = true;
      if (row.secret) def.secret = true;
      return def;
    }),
    retry: {
      maxAttempts: v.retry.maxAttempts ?? 1,
      backoff: v.retry.backoff,
      initialDelayMs: v.retry.initialDelayMs ?? 1000,
      maxDelayMs: v.retry.maxDelayMs ?? 60000,
      jitter: v.retry.jitter,
    },
    concurrency: {
      max: v.concurrency.max ?? null,
      overlap: v.concurrency.overlap,
      fanOutParallelism: v.concurrency.fanOutParallelism ?? 4,
    },
    onSuccess: chains(v.onSuccess, 'onSuccess'),
    onFailure: chains(v.onFailure, 'onFailure'),
    triggers: {
      github: v.triggers.github.map((row, i) => {
        const trigger: GithubTrigger = { ...row.kept, repository: row.repository.trim() };
        const branches = split(row.branches, /,/);
        if (branches.length) trigger.branches = branches;
        const watch = split(row.watchFiles, /\n/);
        if (watch.length) trigger.watchFiles = watch;
        const params = jsonObject(row.params, `triggers.github.${i}.params`, errors);
        if (params) trigger.params = params;
        return trigger;
      }),
    },
    notifications: v.notifications.map((row) => ({
      channel: row.channel.trim(),
      on: (['failure', 'recovery', 'success'] as NotificationEvent[]).filter((event) => row[event]),
    })),
  };
}

/** Rows of secret-capable name/value pairs (headers, env) as the API takes them. */
function secretMap(rows: HeaderRow['value'][]): Record<string, string | SecretInput> {
  const out: Record<string, string | SecretInput> = {};
  for (const row of rows) {
    const name = (row.name ?? '').trim();
    if (!name) continue;
    out[name] = row.secret
      ? row.value !== '' || !row.stored
        ? { secret: true, value: row.value ?? '' }
        : { secret: true }
      : (row.value ?? '');
  }
  return out;
}

function commandExecutor(ex: JobForm['value']['executor'] & object): ExecutorDefinition {
  const c = ex.checkout ?? {};
  const cb = ex.commitBack ?? {};
  const token =
    (c.token ?? '') !== ''
      ? { secret: true as const, value: c.token! }
      : c.tokenStored
        ? { secret: true as const }
        : null;
  return {
    kind: 'command',
    script: ex.script ?? '',
    shell: (ex.shell ?? '').trim() || '/bin/sh -e',
    env: secretMap(ex.env ?? []),
    ...(ex.timeoutMs === null || ex.timeoutMs === undefined ? {} : { timeoutMs: ex.timeoutMs }),
    workingDirectory: (ex.workingDirectory ?? '').trim() || null,
    checkout: c.enabled
      ? {
          url: (c.url ?? '').trim() || null,
          ref: (c.ref ?? '').trim() || null,
          token,
          tokenUser: (c.tokenUser ?? '').trim() || 'x-access-token',
          ...(c.depth === null || c.depth === undefined ? {} : { depth: c.depth }),
        }
      : null,
    commitBack: cb.enabled
      ? {
          authorName: (cb.authorName ?? '').trim() || 'API Manager',
          authorEmail: (cb.authorEmail ?? '').trim() || 'api-manager@localhost',
        }
      : null,
  };
}
