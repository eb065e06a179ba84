// ToyCI config.yaml → jobs.yaml (command jobs). Used by `api-manager import-toyci`.
//
// ToyCI ran, per push to a job's target_branch whose changed files matched one of its watch_files
// (Python fnmatch), the job's `script` in a fresh clone with its `env`, killed it after `timeout`
// seconds, committed what it changed with `[skip ci]` and ran one build per job name at a time.
// Each ToyCI job becomes a command job with the same behaviour: checkout of the pushed commit,
// commitBack, timeoutMs, concurrency {max: 1, overlap: queue}, triggers.github with watchFiles.
import { Document, parse } from 'yaml';

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

/**
 * A ToyCI fnmatch pattern as a picomatch glob. In fnmatch `*` also matches `/` (it crosses
 * directories); in watchFiles it does not. So a `*` is widened to `**` where it stands for a whole
 * segment, and `*.x` / `a*` segments get a `**\/` in front: `src/*.py` → `src/**\/*.py`,
 * `*.md` → `**\/*.md`, `docs/*` → `docs/**`. What stays different is listed by `differences`.
 */
export function fnmatchToGlob(pattern) {
  const p = String(pattern).replace(/^\.\//, '');
  if (!p.includes('*')) return p;
  const out = [];
  for (const seg of p.split('/')) {
    if (seg.includes('*') && out[out.length - 1] !== '**') out.push('**');
    if (seg !== '*' && seg !== '**') out.push(seg.replace(/\*+/g, '*'));
  }
  return out.join('/');
}

/** Where a converted pattern may match other files than ToyCI did (empty when it matches the same). */
export function differences(pattern, glob) {
  const notes = [];
  const p = String(pattern);
  if (/\*[^/]*\//.test(p)) {
    notes.push(`"${p}": ToyCI's "*" before "/" spanned one or more directories; "${glob}" also matches none`);
  }
  if (/^[^*/]+\*/.test(p.split('/').find((s) => s.includes('*')) ?? '') && glob.startsWith('**/')) {
    notes.push(`"${p}": "${glob}" also matches that name below other directories`);
  }
  return notes;
}

function str(v) {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
}

/** `${` is an environment reference in jobs.yaml: keep ToyCI's text literal. */
function literal(s) {
  return s.replace(/\$\{/g, '$$$${');
}

/**
 * Convert a ToyCI config (YAML text) to jobs.yaml text.
 * opts: repository (owner/name; else the config's `repository`/`repo`), tokenEnv (server variable
 * holding a clone/push token), secretEnv (server variable holding the webhook secret).
 */
export function convertToyci(text, opts = {}) {
  let config;
  try {
    config = parse(text);
  } catch (err) {
    throw new ToyciError(`config is not valid YAML: ${err.message.split('\n')[0]}`);
  }
  if (!config || typeof config !== 'object') throw new ToyciError('config must be a YAML mapping with a jobs list');
  const jobs = Array.isArray(config.jobs)
    ? config.jobs
    : config.jobs && typeof config.jobs === 'object'
      ? Object.entries(config.jobs).map(([name, j]) => ({ name, ...(j ?? {}) }))
      : null;
  if (!jobs || jobs.length === 0) throw new ToyciError('config has no jobs');
  const repository = opts.repository ?? config.repository ?? config.repo ?? null;
  if (!repository || !REPO.test(String(repository))) {
    throw new ToyciError('the GitHub repository is unknown: pass --repository owner/name');
  }
  for (const [flag, name] of [
    ['--token-env', opts.tokenEnv],
    ['--secret-env', opts.secretEnv],
  ]) {
    if (name !== undefined && !ENV_NAME.test(name))
      throw new ToyciError(`${flag} must be an environment variable name`);
  }

  const seen = new Set();
  const comments = [];
  const out = jobs.map((j, i) => {
    const where = `jobs[${i}]`;
    if (!j || typeof j !== 'object') throw new ToyciError(`${where} must be a mapping`);
    const name = slug(j.name ?? '');
    if (!name || !SLUG.test(name)) throw new ToyciError(`${where}.name is missing or not usable as a job name`);
    if (seen.has(name)) throw new ToyciError(`${where}.name ${name} is used twice`);
    seen.add(name);
    const script = Array.isArray(j.script) ? j.script.map(str).join('\n') : str(j.script);
    if (!script.trim()) throw new ToyciError(`${where}.script is missing`);
    const executor = { kind: 'command', script: literal(script) };
    if (j.env && typeof j.env === 'object') {
      const env = {};
      for (const [k, v] of Object.entries(j.env)) {
        if (!ENV_NAME.test(k)) throw new ToyciError(`${where}.env.${k} is not a valid variable name`);
        env[k] = literal(str(v));
      }
      if (Object.keys(env).length) executor.env = env;
    }
    if (j.timeout !== undefined && j.timeout !== null) {
      const seconds = Number(j.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0)
        throw new ToyciError(`${where}.timeout must be a number of seconds`);
      executor.timeoutMs = Math.round(seconds * 1000);
    }
    executor.checkout = opts.tokenEnv ? { token: { secret: true, value: `\${${opts.tokenEnv}}` } } : {};
    executor.commitBack = {};

    const watch = (Array.isArray(j.watch_files) ? j.watch_files : j.watch_files ? [j.watch_files] : []).map(str);
    const globs = watch.map(fnmatchToGlob);
    const branches = (Array.isArray(j.target_branch) ? j.target_branch : j.target_branch ? [j.target_branch] : []).map(
      str,
    );
    const trigger = { repository: String(repository) };
    if (branches.length) trigger.branches = branches;
    if (globs.length) trigger.watchFiles = globs;
    const job = { name, group: 'toyci' };
    if (name !== j.name) job.title = str(j.name);
    Object.assign(job, {
      executor,
      concurrency: { max: 1, overlap: 'queue' },
      triggers: { github: [trigger] },
    });
    const notes = [`ToyCI job ${JSON.stringify(str(j.name))}`];
    if (watch.length) {
      notes.push(`watch_files (fnmatch): ${JSON.stringify(watch)} -> watchFiles (glob): ${JSON.stringify(globs)}`);
      for (let k = 0; k < watch.length; k++) notes.push(...differences(watch[k], globs[k]));
    } else
      notes.push(
        branches.length
          ? 'no watch_files: every push to the branch runs it'
          : 'no watch_files and no target_branch: every push runs it',
      );
    comments.push(notes);
    return job;
  });

  const doc = { version: 1 };
  if (opts.secretEnv) {
    doc.sources = [{ provider: 'github', repository: String(repository), secret: `\${${opts.secretEnv}}` }];
  }
  doc.jobs = out;
  const yaml = new Document(doc);
  yaml.commentBefore = [
    ` Imported from ToyCI (api-manager import-toyci). Apply with: npx api-manager apply jobs.yaml`,
    ' Needs COMMAND_JOBS_ENABLED=true on the server. Each job clones the pushed commit, runs its script,',
    ' commits what it changed with "[skip ci] <job> execution <id>" and pushes it (commitBack), one run at a time.',
    ' watch_files were fnmatch patterns ("*" crossed "/"); watchFiles are globs ("*" stays within a directory,',
    ' "**" crosses): converted patterns are listed per job.',
    opts.secretEnv
      ? ` The webhook secret is read from ${opts.secretEnv} on the server at apply time.`
      : ' Webhook secret: WEBHOOK_SECRET on the server (or add a sources: entry with a secret).',
    opts.tokenEnv
      ? ` The clone/push token is read from ${opts.tokenEnv} on the server at apply time (stored encrypted).`
      : ' Private repository or push over https: add executor.checkout.token {secret: true, value: ${ENV_NAME}}.',
  ].join('\n');
  const seq = yaml.get('jobs', true);
  seq.items.forEach((item, i) => {
    item.commentBefore = comments[i].map((c) => ` ${c}`).join('\n');
  });
  return yaml.toString({ lineWidth: 0 });
}
