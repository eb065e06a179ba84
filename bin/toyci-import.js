// ToyCI config.yaml → jobs.yaml (command jobs). Used by `api-manager import-toyci`.
//
// ToyCI (github.com/NorihiroTanaka/ToyCITool) ran, per push to a job's target_branch whose changed
// files matched one of its watch_files (Python fnmatch), the job's `script` (or `scripts`, in order)
// in a fresh clone with its `env` and `venv`, killed it after `timeout` (else `default_timeout`)
// seconds, committed what it changed and ran one build per job name at a time, at most
// `max_concurrent_jobs` in all. Each ToyCI job becomes a command job with the same behaviour:
// checkout of the pushed commit, commitBack, timeoutMs, concurrency {max: 1, overlap: queue},
// triggers.github with watchFiles, notifications when config.yaml had notifications.discord.
// Whatever cannot be carried over is said in a comment above the job (and on stderr).
import { Document, parse } from 'yaml';
import { fnmatchToGlobs } from './toyci-globs.js';

export { fnmatchToGlobs };

export class ToyciError extends Error {}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,99}$/;
const REPO = /^[\w.-]+\/[\w.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A job name as an API Manager slug (lowercase, [a-z0-9._-]). */
export function slug(name) {
  const s = String(name)
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 100)
    .replace(/-+$/, '');
  return s;
}

function str(v) {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

/** `${` is an environment reference in jobs.yaml: keep ToyCI's text literal. */
function literal(s) {
  return s.replace(/\$\{/g, '$$$${');
}

/** owner/name from a clone URL: https://host/o/n(.git), ssh://[user@]host[:port]/o/n(.git), user@host:o/n(.git). */
export function repositoryFromUrl(url) {
  const u = String(url).trim();
  const m =
    /^(?:https?|ssh|git):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/i.exec(u) ??
    /^(?:[^@/\s]+@)?([^/:\s]+):(?!\/)(.+?)(?:\.git)?\/?$/.exec(u);
  if (!m) return null;
  const path = m[2].replace(/^\/+/, '');
  return REPO.test(path) ? { host: m[1].toLowerCase(), repository: path } : null;
}

/** `${NAME}` (and `$NAME`) expanded from `env` as ToyCI did when it loaded config.yaml; null when a variable is unset. */
function expandFrom(text, env) {
  let missing = null;
  const out = String(text).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a, b) => {
    const v = env?.[a ?? b];
    if (v === undefined) missing ??= a ?? b;
    return v ?? whole;
  });
  return { text: out, missing };
}

/** The one variable a whole value refers to (`${NAME}`), else null. */
function soleRef(v) {
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(String(v ?? '').trim());
  return m ? m[1] : null;
}

const WINDOWS = /\.(cmd|bat|ps1)\b|^[A-Za-z]:\\|[\w.-]\\[\w.-]/i;

function shQuote(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

/**
 * A ToyCI job's script(s) as ONE /bin/sh script: `scripts` run in order, each in a subshell as ToyCI
 * ran each in its own shell, stopping at the first that fails (its exit code is the job's); `venv`
 * activated first (VIRTUAL_ENV and PATH, as its bin/activate does; relative to the workspace).
 * Returns { script, windows: [what looks Windows-only] } or throws ToyciError.
 */
export function toyciScript(j, where) {
  const hasList = j.scripts !== undefined && j.scripts !== null;
  const hasOne = j.script !== undefined && j.script !== null;
  if (hasList && hasOne) throw new ToyciError(`${where} has both script and scripts: keep one`);
  let entries;
  let list = false;
  if (hasList) {
    const raw = Array.isArray(j.scripts) ? j.scripts : [j.scripts];
    entries = raw.map((v, k) => {
      if (typeof v !== 'string' && typeof v !== 'number')
        throw new ToyciError(`${where}.scripts[${k}] must be a string (one command line)`);
      return str(v);
    });
    list = true;
  } else if (Array.isArray(j.script)) {
    entries = j.script.map(str);
    list = true;
  } else entries = hasOne ? [str(j.script)] : [];
  entries = entries.filter((e) => e.trim() !== '');
  if (entries.length === 0)
    throw new ToyciError(`${where}.script is missing (ToyCI jobs have script: "..." or scripts: [...])`);
  const windows = [];
  entries.forEach((e, k) => {
    if (WINDOWS.test(e)) windows.push(`${list ? `scripts[${k}]` : 'script'} ${JSON.stringify(e)}`);
  });
  const lines = [];
  if (j.venv !== undefined && j.venv !== null && str(j.venv).trim()) {
    const venv = str(j.venv).trim();
    if (/\\/.test(venv)) windows.push(`venv ${JSON.stringify(venv)}`);
    lines.push(
      `# venv ${venv}: activated for the scripts (as ToyCI did)`,
      `VIRTUAL_ENV=$(cd ${shQuote(venv)} 2>/dev/null && pwd) || { echo ${shQuote(`venv ${venv} not found`)} >&2; exit 1; }`,
      'export VIRTUAL_ENV',
      'PATH="$VIRTUAL_ENV/bin:$PATH"',
      'export PATH',
      'unset PYTHONHOME',
    );
  }
  if (!list && lines.length === 0) return { script: entries[0], windows };
  if (!list) lines.push(entries[0]);
  else
    entries.forEach((e, k) => {
      lines.push(`# scripts[${k}]`, `(`, e.replace(/\n$/, ''), `) || exit $?`);
    });
  return { script: `${lines.join('\n')}\n`, windows };
}

const JOB_FIELDS = new Set([
  'name',
  'script',
  'scripts',
  'venv',
  'env',
  'timeout',
  'watch_files',
  'target_branch',
  'repo_url',
]);
const TOP_FIELDS = new Set([
  'jobs',
  'default_timeout',
  'max_concurrent_jobs',
  'server',
  'git',
  'notifications',
  'job_log_dir',
  'repository',
  'repo',
]);
export const DISCORD_CHANNEL = 'toyci-discord';

function positiveSeconds(v, what) {
  const seconds = Number(v);
  if (v === '' || typeof v === 'boolean' || !Number.isFinite(seconds) || seconds <= 0)
    throw new ToyciError(`${what} must be a number of seconds`);
  if (seconds > 86_400) throw new ToyciError(`${what} is ${seconds} s; command jobs run at most 86400 s (24 h)`);
  return seconds;
}

function asList(v) {
  return (Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v]).map(str);
}

/** A secret-bearing value: `${NAME}` stays a reference; a literal is not copied (→ `${fallback}`). */
function secretRef(value, override, fallback) {
  if (override) return { ref: `\${${override}}`, name: override, literal: false };
  const name = soleRef(value);
  if (name) return { ref: `\${${name}}`, name, literal: false };
  return { ref: `\${${fallback}}`, name: fallback, literal: true };
}

/**
 * Convert a ToyCI config (YAML text) to jobs.yaml text.
 * opts: repository (owner/name, overrides repo_url / git.repo_url), tokenEnv (server variable with
 * the clone/push token, overrides git.accessToken), secretEnv (server variable with the webhook
 * secret, overrides server.webhook_secret), env (variables for `${X}` in repo_url, as ToyCI read them).
 */
export function convertToyci(text, opts = {}) {
  return convertToyciReport(text, opts).yaml;
}

/** convertToyci with the warnings the CLI prints on stderr (Windows-only scripts, literal secrets). */
export function convertToyciReport(text, opts = {}) {
  let config;
  try {
    config = parse(text);
  } catch (err) {
    throw new ToyciError(`config is not valid YAML: ${err.message.split('\n')[0]}`);
  }
  if (!config || typeof config !== 'object' || Array.isArray(config))
    throw new ToyciError('config must be a YAML mapping with a jobs list');
  const jobs = Array.isArray(config.jobs)
    ? config.jobs
    : config.jobs && typeof config.jobs === 'object'
      ? Object.entries(config.jobs).map(([name, j]) => ({ name, ...(j ?? {}) }))
      : null;
  if (!jobs || jobs.length === 0) throw new ToyciError('config has no jobs');
  for (const [flag, name] of [
    ['--token-env', opts.tokenEnv],
    ['--secret-env', opts.secretEnv],
  ]) {
    if (name !== undefined && !ENV_NAME.test(name))
      throw new ToyciError(`${flag} must be an environment variable name`);
  }
  if (opts.repository !== undefined && !REPO.test(String(opts.repository)))
    throw new ToyciError('--repository must look like owner/name');
  const server = config.server && typeof config.server === 'object' ? config.server : {};
  const git = config.git && typeof config.git === 'object' ? config.git : {};
  const discord =
    config.notifications?.discord && typeof config.notifications.discord === 'object'
      ? config.notifications.discord
      : null;
  const warnings = [];
  const header = [];

  const defaultTimeout =
    config.default_timeout === undefined || config.default_timeout === null
      ? 3600
      : positiveSeconds(config.default_timeout, 'default_timeout');
  const maxConcurrent =
    config.max_concurrent_jobs === undefined || config.max_concurrent_jobs === null
      ? 1
      : Number(config.max_concurrent_jobs);
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1)
    throw new ToyciError('max_concurrent_jobs must be a whole number of at least 1');

  // Repository of a job: --repository, else the job's repo_url, else git.repo_url (https or ssh), else `repository:`.
  const repositoryOf = (j, where) => {
    const urls = [
      [`${where}.repo_url`, j.repo_url],
      ['git.repo_url', git.repo_url],
    ].filter(([, v]) => v !== undefined && v !== null && v !== '');
    // ToyCI cloned repo_url: so does the checkout (a `${X}` stays a reference, expanded on the server at apply time).
    const cloneUrl = urls.length ? str(urls[0][1]).trim() : null;
    if (opts.repository) return { repository: String(opts.repository), from: '--repository', cloneUrl };
    for (const [field, value] of urls) {
      const { text: url, missing } = expandFrom(str(value), opts.env ?? {});
      if (missing)
        throw new ToyciError(
          `${field} is ${str(value)} and ${missing} is not set here: set ${missing} (as ToyCI read it from its environment) or pass --repository owner/name`,
        );
      const parsed = repositoryFromUrl(url);
      if (!parsed)
        throw new ToyciError(`${field} ${JSON.stringify(url)} is not a clone URL of owner/name (https or ssh form)`);
      return { ...parsed, from: field, url, cloneUrl };
    }
    const named = config.repository ?? config.repo;
    if (named && REPO.test(String(named))) return { repository: String(named), from: 'repository' };
    throw new ToyciError(
      `the GitHub repository of ${where} is unknown: give it repo_url or git.repo_url, or pass --repository owner/name`,
    );
  };

  const token =
    opts.tokenEnv || (git.accessToken ?? git.access_token)
      ? secretRef(git.accessToken ?? git.access_token, opts.tokenEnv, 'TOYCI_GIT_ACCESS_TOKEN')
      : null;
  if (token?.literal) {
    warnings.push(
      `git.accessToken is a literal value: it was not copied; set TOYCI_GIT_ACCESS_TOKEN on the server (or pass --token-env)`,
    );
  }
  if (opts.repoConfig && !opts.secretEnv && !server.webhook_secret)
    throw new ToyciError('--repo-config needs a webhook secret (server.webhook_secret or --secret-env)');
  const secret =
    opts.secretEnv || server.webhook_secret
      ? secretRef(server.webhook_secret, opts.secretEnv, 'TOYCI_WEBHOOK_SECRET')
      : null;
  if (secret?.literal) {
    warnings.push(
      'server.webhook_secret is a literal value: it was not copied; set TOYCI_WEBHOOK_SECRET on the server (or pass --secret-env)',
    );
  }
  let notifyOn = [];
  let discordUrl = null;
  if (discord && str(discord.webhook_url).trim()) {
    if (discord.on_success ?? true) notifyOn.push('success');
    if (discord.on_failure ?? true) notifyOn.push('failure');
    const ref = soleRef(discord.webhook_url);
    discordUrl = ref ? `$${ref}` : '<the webhook_url of config.yaml>';
    if (!ref)
      warnings.push(
        'notifications.discord.webhook_url is a literal value: it is not printed; use it in the channel call',
      );
  } else notifyOn = [];

  const seen = new Set();
  const comments = [];
  const repositories = new Set();
  const out = jobs.map((j, i) => {
    const where = `jobs[${i}]`;
    if (!j || typeof j !== 'object' || Array.isArray(j)) throw new ToyciError(`${where} must be a mapping`);
    const name = slug(j.name ?? '');
    if (!name || !SLUG.test(name)) throw new ToyciError(`${where}.name is missing or not usable as a job name`);
    if (seen.has(name)) throw new ToyciError(`${where}.name ${name} is used twice`);
    seen.add(name);
    const notes = [`ToyCI job ${JSON.stringify(str(j.name))}`];
    const { script, windows } = toyciScript(j, where);
    const executor = { kind: 'command', shell: '/bin/sh', script: literal(script) };
    if (j.scripts !== undefined && j.scripts !== null)
      notes.push(
        'scripts: run in order in one script, each in its own subshell; the first that fails ends the job with its exit code',
      );
    if (j.venv)
      notes.push(`venv ${JSON.stringify(str(j.venv))}: activated at the top of the script (VIRTUAL_ENV, PATH)`);
    for (const w of windows) {
      notes.push(`WINDOWS-ONLY: ${w} needs cmd.exe; the server runs /bin/sh: port it before applying`);
      warnings.push(`${where} (${name}): ${w} looks Windows-only (.cmd/.bat/.ps1 or a backslash path)`);
    }
    if (j.env !== undefined && j.env !== null) {
      if (typeof j.env !== 'object' || Array.isArray(j.env)) throw new ToyciError(`${where}.env must be a mapping`);
      const env = {};
      for (const [k, v] of Object.entries(j.env)) {
        if (!ENV_NAME.test(k)) throw new ToyciError(`${where}.env.${k} is not a valid variable name`);
        const value = str(v);
        if (/\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(value)) {
          // ToyCI expanded ${X} from its environment when it loaded the file: the server's environment does it at apply time.
          env[k] = { secret: true, value };
          notes.push(`env.${k}: ${value} is read from the server's environment at apply time and stored as a secret`);
        } else env[k] = literal(value);
      }
      if (Object.keys(env).length) executor.env = env;
    }
    if (j.timeout !== undefined && j.timeout !== null) {
      executor.timeoutMs = Math.round(positiveSeconds(j.timeout, `${where}.timeout`) * 1000);
    } else {
      executor.timeoutMs = Math.round(defaultTimeout * 1000);
      notes.push(`timeout: none, so ToyCI's default_timeout ${defaultTimeout} s`);
    }
    const repo = repositoryOf(j, where);
    executor.checkout = {};
    if (repo.cloneUrl) {
      executor.checkout.url = repo.cloneUrl;
      notes.push(`checkout.url ${repo.cloneUrl}: cloned as ToyCI did (the pushed commit is fetched from it)`);
      if (/^[a-z]+:\/\/[^/@]+@/i.test(repo.url ?? repo.cloneUrl) && !/^ssh:/i.test(repo.url ?? repo.cloneUrl))
        warnings.push(
          `${where} (${name}): repo_url carries credentials: they end up in the job; use git.accessToken instead`,
        );
    }
    if (token) executor.checkout.token = { secret: true, value: token.ref };
    if (token)
      notes.push(`checkout token: ${token.ref} (git.accessToken${token.literal ? ' was literal: not copied' : ''})`);
    executor.commitBack = {};

    repositories.add(repo.repository);
    notes.push(`repository ${repo.repository} (from ${repo.from}${repo.url ? ` ${repo.url}` : ''})`);
    if (repo.host && repo.host !== 'github.com')
      notes.push(
        `the repository is on ${repo.host}: its pushes arrive through the same receiver (GitHub, Gitea and GitLab payloads)`,
      );
    if (repo.url && /^(ssh:|[^/]*@[^/]*:)/.test(repo.url))
      notes.push(
        'ssh clone URL: the server user needs an ssh key GitHub accepts (as ToyCI did); the token is not used over ssh',
      );

    const watch = asList(j.watch_files);
    const branches = asList(j.target_branch);
    const job = { name, group: 'toyci' };
    if (name !== j.name) job.title = str(j.name);
    Object.assign(job, { executor, concurrency: { max: 1, overlap: 'queue' } });
    if (watch.length) {
      const globs = [];
      for (const w of watch) {
        const c = fnmatchToGlobs(w);
        globs.push(...c.globs.filter((g) => !globs.includes(g)));
        notes.push(
          `watch_files ${JSON.stringify(w)} (fnmatch) -> ${JSON.stringify(c.globs)}${c.exact ? ' (the same files)' : ' (wider: may also match other files; never fewer)'}`,
        );
      }
      const trigger = { repository: repo.repository };
      if (branches.length) trigger.branches = branches;
      else notes.push('no target_branch: pushes to every branch run it');
      trigger.watchFiles = globs;
      job.triggers = { github: [trigger] };
    } else {
      notes.push(
        'NOT TRIGGERED BY PUSHES: no watch_files, and ToyCI ran a job only when a changed file matched one; run it by hand or add triggers.github',
      );
    }
    if (notifyOn.length) {
      job.notifications = [{ channel: DISCORD_CHANNEL, on: notifyOn }];
      notes.push(
        `notifications.discord -> channel ${DISCORD_CHANNEL} on ${notifyOn.join(', ')} (create the channel: see the top of this file)`,
      );
    } else if (discord)
      notes.push('notifications.discord: no webhook_url or neither on_success nor on_failure: no notifications');
    for (const k of Object.keys(j))
      if (!JOB_FIELDS.has(k)) notes.push(`NOT CARRIED OVER: ${k} (not a ToyCI job field)`);
    comments.push(notes);
    return job;
  });

  const doc = { version: 1 };
  if (secret) {
    // One secret signs one repository's pushes; ToyCI's server-wide secret over several repositories
    // becomes a provider-wide source (repositories without a source of their own).
    const [only] = repositories;
    doc.sources = [
      {
        provider: 'github',
        ...(repositories.size === 1 ? { repository: only } : {}),
        secret: secret.ref,
        ...(opts.repoConfig ? { repoConfig: true } : {}),
        description: 'ToyCI server.webhook_secret',
      },
    ];
  }
  doc.jobs = out;

  header.push(
    ' Imported from ToyCI (api-manager import-toyci). Apply with: npx api-manager apply jobs.yaml',
    ' Needs COMMAND_JOBS_ENABLED=true on the server. Each job clones the pushed commit, runs its script with',
    ' /bin/sh, commits what it changed with "[skip ci] <job> execution <id>" and pushes it (commitBack).',
    ' watch_files were fnmatch patterns ("*" crossed "/"); watchFiles use GitHub filter syntax ("*" stays',
    ' within a directory, "**" crosses): every converted pattern matches at least the files ToyCI matched.',
    secret
      ? ` server.webhook_secret -> webhook source secret ${secret.ref}, read from the server's environment at apply time.${secret.literal ? ' (The literal secret was not copied.)' : ''}`
      : ' Webhook secret: none in config.yaml: WEBHOOK_SECRET on the server (or add a sources: entry with a secret).',
    token
      ? ` git.accessToken -> executor.checkout.token ${token.ref}, read from the server's environment at apply time (stored encrypted).`
      : ' No git.accessToken: private repository or push over https: add executor.checkout.token {secret: true, value: ${ENV_NAME}}.',
    ` max_concurrent_jobs ${maxConcurrent} -> each job runs one at a time (concurrency max 1, queued, as ToyCI per job name);`,
    ` ToyCI's total of ${maxConcurrent} maps to WORKER_CONCURRENCY=${maxConcurrent} on a single server process (it counts every job).`,
  );
  if (opts.repoConfig) {
    header.push(
      ' --repo-config: the source also runs the jobs of .toyci.yaml in pushed commits (README: CI configuration in',
      ' the repository); private repositories need REPO_CONFIG_GIT_TOKEN on the server (as git.accessToken was).',
    );
  }
  if (notifyOn.length) {
    header.push(
      ` notifications.discord -> channel ${DISCORD_CHANNEL} (on ${notifyOn.join(', ')}). Channels hold their URL as a secret and`,
      ' are not part of jobs.yaml: create it once (admin) before the first run:',
      `   curl -X POST "$API_MANAGER_URL/api/v1/notifications/channels" -H "Authorization: Bearer $API_MANAGER_TOKEN" \\`,
      `     -H 'content-type: application/json' -d "{\\"name\\":\\"${DISCORD_CHANNEL}\\",\\"type\\":\\"discord\\",\\"url\\":\\"${discordUrl}\\"}"`,
      '   (or Settings → Notifications → New channel, type Discord).',
    );
  }
  const dropped = [];
  for (const k of ['host', 'port', 'workspace']) if (server[k] !== undefined) dropped.push(`server.${k}`);
  if (config.job_log_dir !== undefined) dropped.push('job_log_dir');
  for (const k of Object.keys(config)) if (!TOP_FIELDS.has(k)) dropped.push(k);
  if (dropped.length)
    header.push(
      ` Not carried over: ${dropped.join(', ')} (the server has its own: PORT, COMMAND_WORKSPACE_DIR, logs in the database).`,
    );
  header.push(...warnings.map((w) => ` WARNING: ${w}`));

  const yaml = new Document(doc);
  yaml.commentBefore = header.join('\n');
  const seq = yaml.get('jobs', true);
  seq.items.forEach((item, i) => {
    item.commentBefore = comments[i].map((c) => ` ${c}`).join('\n');
  });
  return { yaml: yaml.toString({ lineWidth: 0 }), warnings };
}
