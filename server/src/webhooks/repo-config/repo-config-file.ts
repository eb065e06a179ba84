import { LineCounter, parseDocument } from 'yaml';
import { fnmatchToGlobs } from './fnmatch-globs.js';

/** The files a source with `repoConfig` reads from the pushed commit, in this order (the first present wins). */
export const REPO_CONFIG_FILES = ['.api-manager.yaml', '.toyci.yaml'] as const;
export type RepoConfigFileName = (typeof REPO_CONFIG_FILES)[number];

/** Largest file read (bytes) and most jobs one file may define. */
export const REPO_CONFIG_MAX_BYTES = 64 * 1024;
export const REPO_CONFIG_MAX_JOBS = 50;

/** ToyCI's default_timeout when the server's config.yaml had none (seconds). */
const TOYCI_DEFAULT_TIMEOUT_S = 3600;

export class RepoConfigError extends Error {}

/** One job of a repository file, before it becomes a server job. */
export interface RepoJobSpec {
  /** The name in the file. */
  name: string;
  /** The definition for JobsService (name, group and triggers are set by the caller). */
  definition: Record<string, unknown>;
  /** watchFiles (GitHub filter syntax); null = the job runs on no push (ToyCI without watch_files). */
  watchFiles: string[] | null;
  /** Branches of a native file's triggers (null = the pushed branch). */
  branches: string[] | null;
  /** How the file's patterns were converted (ToyCI fnmatch → watchFiles). */
  notes: string[];
}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOYCI_FIELDS = new Set(['name', 'script', 'scripts', 'watch_files', 'env', 'timeout', 'venv']);
const NATIVE_FIELDS = new Set(['name', 'title', 'description', 'executor', 'triggers', 'concurrency', 'retry']);
const NATIVE_EXECUTOR = new Set(['kind', 'script', 'shell', 'env', 'timeoutMs', 'workingDirectory', 'commitBack']);

const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));

export function parseYaml(text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = lineCounter.linePos(e.pos[0]);
    throw new RepoConfigError(`YAML line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}`);
  }
  return doc.toJS({ maxAliasCount: 100 });
}

function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A ToyCI job's script(s) as one /bin/sh script (as bin/toyci-import.js writes it): `scripts` in
 * order, each in a subshell, stopping at the first failure; `venv` activated first.
 */
export function toyciScript(j: Record<string, unknown>, where: string): string {
  const hasList = j.scripts !== undefined && j.scripts !== null;
  const hasOne = j.script !== undefined && j.script !== null;
  if (hasList && hasOne) throw new RepoConfigError(`${where} has both script and scripts: keep one`);
  let entries: string[];
  let list = false;
  if (hasList || Array.isArray(j.script)) {
    const raw = (hasList ? j.scripts : j.script) as unknown;
    const items = Array.isArray(raw) ? raw : [raw];
    entries = items.map((v, k) => {
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new RepoConfigError(`${where}.scripts[${k}] must be a string (one command line)`);
      return String(v);
    });
    list = true;
  } else if (hasOne) {
    if (typeof j.script !== 'string') throw new RepoConfigError(`${where}.script must be a string`);
    entries = [j.script];
  } else entries = [];
  entries = entries.filter((e) => e.trim() !== '');
  if (entries.length === 0) throw new RepoConfigError(`${where}.script is missing`);
  const lines: string[] = [];
  const venv = str(j.venv).trim();
  if (venv) {
    lines.push(
      `# venv ${venv}: activated for the scripts (as ToyCI did)`,
      `VIRTUAL_ENV=$(cd ${shQuote(venv)} 2>/dev/null && pwd) || { echo ${shQuote(`venv ${venv} not found`)} >&2; exit 1; }`,
      'export VIRTUAL_ENV',
      'PATH="$VIRTUAL_ENV/bin:$PATH"',
      'export PATH',
      'unset PYTHONHOME',
    );
  }
  if (!list && lines.length === 0) return entries[0];
  if (!list) lines.push(entries[0]);
  else entries.forEach((e, k) => lines.push(`# scripts[${k}]`, '(', e.replace(/\n$/, ''), ') || exit $?'));
  return `${lines.join('\n')}\n`;
}

/** `${` in ToyCI text is literal (jobs' `$${` escape); env values keep `${NAME}` (resolved by the caller). */
const literal = (s: string) => s.replace(/\$\{/g, '$$$${');

function jobsOf(doc: unknown, file: string): unknown[] {
  if (!isMap(doc)) throw new RepoConfigError(`${file} must be a mapping with a jobs list`);
  if (!Array.isArray(doc.jobs)) throw new RepoConfigError(`${file}: jobs must be a list`);
  if (doc.jobs.length > REPO_CONFIG_MAX_JOBS)
    throw new RepoConfigError(`${file}: at most ${REPO_CONFIG_MAX_JOBS} jobs (it has ${doc.jobs.length})`);
  for (const k of Object.keys(doc))
    if (k !== 'jobs' && k !== 'version') throw new RepoConfigError(`${file}: ${k} is not supported (only jobs)`);
  return doc.jobs;
}

function checkName(j: Record<string, unknown>, where: string, seen: Set<string>): string {
  const name = str(j.name);
  if (!SLUG.test(name))
    throw new RepoConfigError(`${where}.name must be a slug (lowercase letters, digits, ".", "_", "-")`);
  if (seen.has(name)) throw new RepoConfigError(`${where}.name ${name} is used twice`);
  seen.add(name);
  return name;
}

/** `.toyci.yaml`: jobs of {name, script|scripts, watch_files, env, timeout, venv} (ToyCI's RepoJobConfig). */
function toyciJobs(doc: unknown): RepoJobSpec[] {
  const seen = new Set<string>();
  return jobsOf(doc, '.toyci.yaml').map((raw, i) => {
    const where = `jobs[${i}]`;
    if (!isMap(raw)) throw new RepoConfigError(`${where} must be a mapping`);
    for (const k of Object.keys(raw))
      if (!TOYCI_FIELDS.has(k)) throw new RepoConfigError(`${where}.${k} is not a field of a .toyci.yaml job`);
    const name = checkName(raw, where, seen);
    const executor: Record<string, unknown> = {
      kind: 'command',
      shell: '/bin/sh',
      script: literal(toyciScript(raw, where)),
    };
    if (raw.env !== undefined && raw.env !== null) {
      if (!isMap(raw.env)) throw new RepoConfigError(`${where}.env must be a mapping`);
      const env: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(raw.env)) {
        if (!ENV_NAME.test(k)) throw new RepoConfigError(`${where}.env.${k} is not a valid variable name`);
        const value = str(v);
        // A `${NAME}` is a server variable (resolved from the allow-list): it stays a secret.
        env[k] = /\$\{[^}]*\}/.test(value) ? { secret: true, value } : value;
      }
      executor.env = env;
    }
    let seconds = TOYCI_DEFAULT_TIMEOUT_S;
    if (raw.timeout !== undefined && raw.timeout !== null) {
      seconds = Number(raw.timeout);
      if (typeof raw.timeout === 'boolean' || !Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400)
        throw new RepoConfigError(`${where}.timeout must be a number of seconds from 1 to 86400`);
    }
    executor.timeoutMs = Math.round(seconds * 1000);
    executor.checkout = {};
    const watch = raw.watch_files === undefined || raw.watch_files === null ? [] : raw.watch_files;
    const patterns = (Array.isArray(watch) ? watch : [watch]).map(str).filter((p) => p !== '');
    const notes: string[] = [];
    const globs: string[] = [];
    for (const p of patterns) {
      const c = fnmatchToGlobs(p);
      for (const g of c.globs) if (!globs.includes(g)) globs.push(g);
      notes.push(`${p} -> ${c.globs.join(', ')}${c.exact ? '' : ' (wider)'}`);
    }
    return {
      name,
      definition: { executor, concurrency: { max: 1, overlap: 'queue' } },
      watchFiles: patterns.length ? globs : null,
      branches: null,
      notes,
    };
  });
}

/** `.api-manager.yaml`: jobs in the jobs.yaml shape, command jobs only, triggers.github of this repository. */
function nativeJobs(doc: unknown): RepoJobSpec[] {
  const seen = new Set<string>();
  return jobsOf(doc, '.api-manager.yaml').map((raw, i) => {
    const where = `jobs[${i}]`;
    if (!isMap(raw)) throw new RepoConfigError(`${where} must be a mapping`);
    for (const k of Object.keys(raw))
      if (!NATIVE_FIELDS.has(k))
        throw new RepoConfigError(
          `${where}.${k} is not allowed in a repository file (${[...NATIVE_FIELDS].join(', ')})`,
        );
    const name = checkName(raw, where, seen);
    const ex = raw.executor;
    if (!isMap(ex) || ex.kind !== 'command')
      throw new RepoConfigError(`${where}.executor must be a command executor (kind: command)`);
    for (const k of Object.keys(ex))
      if (!NATIVE_EXECUTOR.has(k))
        throw new RepoConfigError(`${where}.executor.${k} is not allowed in a repository file`);
    let watchFiles: string[] = [];
    let branches: string[] | null = null;
    if (raw.triggers !== undefined) {
      const gh = isMap(raw.triggers) ? raw.triggers.github : undefined;
      if (
        !isMap(raw.triggers) ||
        Object.keys(raw.triggers).some((k) => k !== 'github') ||
        !Array.isArray(gh) ||
        gh.length !== 1
      )
        throw new RepoConfigError(`${where}.triggers must be {github: [{branches?, watchFiles?}]} (one entry)`);
      const t = gh[0] as unknown;
      if (!isMap(t) || Object.keys(t).some((k) => k !== 'branches' && k !== 'watchFiles'))
        throw new RepoConfigError(`${where}.triggers.github[0] may have only branches and watchFiles`);
      const list = (v: unknown, f: string) => {
        if (v === undefined) return null;
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
          throw new RepoConfigError(`${where}.triggers.github[0].${f} must be a list of strings`);
        return v as string[];
      };
      watchFiles = list(t.watchFiles, 'watchFiles') ?? [];
      branches = list(t.branches, 'branches');
    }
    const definition: Record<string, unknown> = { executor: { ...ex, checkout: {} } };
    for (const k of ['title', 'description', 'concurrency', 'retry']) if (raw[k] !== undefined) definition[k] = raw[k];
    return { name, definition, watchFiles, branches, notes: [] };
  });
}

/** Parse a repository CI file; throws RepoConfigError naming the field. */
export function parseRepoConfig(file: RepoConfigFileName, text: string): RepoJobSpec[] {
  const doc = parseYaml(text);
  return file === '.toyci.yaml' ? toyciJobs(doc) : nativeJobs(doc);
}

/** The server job name of a repository job: `<owner>-<name>.<job>` (slug, at most 100 characters). */
export function repoJobName(repository: string, job: string): string {
  const prefix = repository
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 60);
  return `${prefix}.${job}`.slice(0, 100);
}
