#!/usr/bin/env node
// api-manager: a small CLI for automation against an API Manager server (plain Node, global fetch).
//   api-manager apply <file> [--dry-run] [--prune]
//   api-manager export [-o file]
//   api-manager run <job> [--param k=v ...] [--wait] [--timeout seconds]
//   api-manager status <job> [--json]
//   api-manager jobs list | runs list [--job --status --limit] | logs <execution> [--follow]
//   api-manager backfill <job> --dates a..b [--param k=a,b,c ...] [--only-missing] [--dry-run] [--parallelism N]
//   api-manager cancel <execution> | retry <execution> [--failed] | schedules list|pause|resume [<id>]
//   api-manager import-toyci <config.yaml> [--repository owner/name] [--token-env NAME] [--secret-env NAME]
//                            [--repo-config] [-o file]
// Options: --url (default $API_MANAGER_URL or http://localhost:3000), --token (default $API_MANAGER_TOKEN).
// Exit codes: 0 ok, 1 the server refused or could not be reached, 2 usage error, 3 a waited-for run did not succeed.
import { readFile, writeFile } from 'node:fs/promises';
import { backfill } from './cli-backfill.js';
import * as ops from './cli-operations.js';

const USAGE = `Usage: api-manager <command> [options]

Commands:
  apply <file> [--dry-run] [--prune]   apply a jobs.yaml (all or nothing); --dry-run prints the plan only,
                                       --prune deletes jobs, schedules and sources the file no longer has
  export [-o <file>]                   print the current configuration as jobs.yaml
  run <job> [--param k=v ...] [--wait] [--timeout <s>]
                                       run a job now; --wait follows it until it finishes (default 600 s)
  status <job> [--json]                last run, next run, running/queued, success and failure counts
  jobs list [--json]                   every job: name, kind, enabled, title
  runs list [--job <name>] [--status <s,...>] [--limit <n>] [--json]
                                       recent executions, newest first (limit 1-200, default 50)
  logs <execution> [--follow]          print the run's log lines; --follow keeps printing until it ends
                                       and exits 0 when it succeeded, 3 otherwise
  cancel <execution>                   cancel a queued run or abort a running one
  retry <execution> [--failed]         run a finished execution again (a new execution); --failed on a
                                       fan-out parent re-runs only its failed children into that parent
  schedules list [--job <name>] [--json] | schedules pause <id> | schedules resume <id>
  backfill <job> --dates <a..b> [--param k=a,b,c ...] [--only-missing] [--dry-run] [--parallelism <n>]
           [--date-param <name>] [--timeout <s>]
                                       run a job over a date range × key lists (one run per key); --only-missing
                                       skips keys with a succeeded run; --dry-run prints the counts only;
                                       prints progress until the backfill ends (exit 3 unless it succeeded)
  import-toyci <config.yaml> [--repository owner/name] [--token-env NAME] [--secret-env NAME] [--repo-config] [-o <file>]
                                       print a ToyCI config as jobs.yaml command jobs (offline; see README);
                                       --token-env/--secret-env name server variables for the git token and
                                       the webhook secret
                                       --repo-config: the source also runs .toyci.yaml of pushed commits

Options:
  --url <url>      server (default $API_MANAGER_URL or http://localhost:3000)
  --token <token>  API token amk_... (default $API_MANAGER_TOKEN)
  (lists are read page after page, $API_MANAGER_PAGE_SIZE items a page, default 500)
  -h, --help       this text

Exit codes: 0 ok, 1 refused by the server or unreachable, 2 usage error, 3 the run did not succeed
(run --wait, logs --follow).`;

const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'partial', 'lost']);

class UsageError extends Error {}
class ApiError extends Error {}

function parseArgs(argv) {
  const opts = { params: [], positional: [] };
  const takesValue = new Set([
    '--url',
    '--token',
    '--param',
    '-p',
    '--timeout',
    '-o',
    '--output',
    '--repository',
    '--token-env',
    '--secret-env',
    '--job',
    '--status',
    '--limit',
    '--dates',
    '--parallelism',
    '--date-param',
  ]);
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    if (arg.startsWith('--') && arg.includes('='))
      [arg, value] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
    if (takesValue.has(arg)) {
      if (value === undefined) {
        value = argv[++i];
        if (value === undefined) throw new UsageError(`${arg} needs a value`);
      }
      if (arg === '--param' || arg === '-p') opts.params.push(value);
      else if (arg === '-o' || arg === '--output') opts.output = value;
      else if (arg === '--token-env') opts.tokenEnv = value;
      else if (arg === '--secret-env') opts.secretEnv = value;
      else opts[arg.slice(2)] = value;
    } else if (arg === '--dry-run') opts.dryRun = true;
    else if (arg === '--prune') opts.prune = true;
    else if (arg === '--only-missing') opts.onlyMissing = true;
    else if (arg === '--wait') opts.wait = true;
    else if (arg === '--json') opts.json = true;
    else if (arg === '--repo-config') opts.repoConfig = true;
    else if (arg === '--follow' || arg === '-f') opts.follow = true;
    else if (arg === '--failed') opts.failed = true;
    else if (arg === '-h' || arg === '--help') opts.help = true;
    else if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option ${arg}`);
    else opts.positional.push(arg);
  }
  return opts;
}

function client(opts) {
  const base = (opts.url ?? process.env.API_MANAGER_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  try {
    new URL(base);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(base)} is not a URL`);
  }
  const token = opts.token ?? process.env.API_MANAGER_TOKEN;
  return async function call(method, path, { body, contentType, accept } = {}) {
    const headers = { accept: accept ?? 'application/json', 'x-requested-by': 'api-manager-cli' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = contentType ?? 'application/json';
    let res;
    try {
      res = await fetch(base + path, { method, headers, body });
    } catch (err) {
      throw new ApiError(`cannot reach ${base}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
    }
    const text = await res.text();
    let data = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        data = JSON.parse(text);
      } catch {
        /* keep the text */
      }
    }
    if (!res.ok) {
      const messages = typeof data === 'object' && data ? data.message : text;
      const list = Array.isArray(messages) ? messages : [messages || res.statusText];
      const hint = res.status === 401 && !token ? ' (set --token or API_MANAGER_TOKEN)' : '';
      throw new ApiError(
        `${method} ${path}: ${res.status} ${res.statusText}${hint}\n${list.map((m) => `  - ${m}`).join('\n')}`,
      );
    }
    return data;
  };
}

const enc = encodeURIComponent;

async function apply(call, opts) {
  const file = opts.positional[1];
  if (!file) throw new UsageError('apply needs a file: api-manager apply jobs.yaml');
  let text;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
  }
  const q = new URLSearchParams();
  if (opts.dryRun) q.set('dryRun', 'true');
  if (opts.prune) q.set('prune', 'true');
  const res = await call('POST', `/api/v1/config/apply${q.size ? '?' + q : ''}`, {
    body: text,
    contentType: 'application/yaml',
  });
  if (opts.json) return console.log(JSON.stringify(res, null, 2));
  const width = Math.max(9, ...res.changes.map((c) => c.action.length));
  for (const c of res.changes) {
    if (c.action === 'unchanged') continue;
    const fields = c.fields?.length ? `  (${c.fields.join(', ')})` : '';
    console.log(`${c.action.padEnd(width)}  ${c.kind.padEnd(8)}  ${c.name}${fields}`);
  }
  const s = res.summary;
  const what = res.dryRun ? 'Plan (dry run, nothing written)' : res.applied ? 'Applied' : 'Nothing to change';
  console.log(
    `${what}: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged.`,
  );
}

async function exportConfig(call, opts) {
  const yaml = await call('GET', '/api/v1/config/export', { accept: 'application/yaml' });
  if (opts.output) {
    await writeFile(opts.output, yaml);
    console.error(`Wrote ${opts.output}`);
  } else process.stdout.write(yaml);
}

function parseParams(list) {
  const params = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`--param ${JSON.stringify(p)} must be key=value`);
    const key = p.slice(0, i);
    const value = p.slice(i + 1);
    // Repeating a key builds a list (for string[] params): --param device_id=a --param device_id=b
    if (key in params) params[key] = [].concat(params[key], value);
    else params[key] = value;
  }
  return params;
}

async function run(call, opts) {
  const job = opts.positional[1];
  if (!job) throw new UsageError('run needs a job name: api-manager run <job> [--param k=v]');
  const params = parseParams(opts.params);
  const timeoutS = opts.timeout === undefined ? 600 : Number(opts.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new UsageError('--timeout must be a positive number of seconds');
  const { execution } = await call('POST', `/api/v1/jobs/${enc(job)}/runs`, { body: JSON.stringify({ params }) });
  console.log(`Execution ${execution.id} of ${execution.jobName}: ${execution.status}`);
  if (!opts.wait) return 0;
  const deadline = Date.now() + timeoutS * 1000;
  let last = execution.status;
  let detail = execution;
  while (!FINAL.has(detail.status)) {
    if (Date.now() > deadline) {
      console.error(`Gave up waiting after ${timeoutS} s (status ${detail.status}).`);
      return 3;
    }
    await new Promise((r) => setTimeout(r, 500));
    detail = await call('GET', `/api/v1/executions/${enc(execution.id)}`);
    if (detail.status !== last) {
      last = detail.status;
      if (!FINAL.has(last)) console.log(`  ${last}`);
    }
  }
  const took = detail.durationMs == null ? '' : ` in ${detail.durationMs} ms`;
  const http = detail.response?.status ? `, HTTP ${detail.response.status}` : '';
  console.log(`Finished: ${detail.status}${took}${http}${detail.error ? ` — ${detail.error}` : ''}`);
  return detail.status === 'succeeded' ? 0 : 3;
}

async function status(call, opts) {
  const job = opts.positional[1];
  if (!job) throw new UsageError('status needs a job name: api-manager status <job>');
  const s = await call('GET', `/api/v1/jobs/${enc(job)}/status`);
  if (opts.json) return console.log(JSON.stringify(s, null, 2));
  const last = s.lastRun ? `${s.lastRun.status} at ${s.lastRun.finishedAt ?? s.lastRun.createdAt}` : 'never';
  console.log(`${s.job}${s.enabled ? '' : ' (disabled)'}`);
  console.log(`  last run:  ${last}`);
  console.log(`  next run:  ${s.nextRun ?? '-'}`);
  console.log(`  running:   ${s.running}, queued: ${s.queued}`);
  console.log(`  last 24 h: ${s.last24h.succeeded} succeeded, ${s.last24h.failed} failed`);
  console.log(`  last 7 d:  ${s.last7d.succeeded} succeeded, ${s.last7d.failed} failed`);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

async function importToyci(opts) {
  const file = opts.positional[1];
  if (!file) throw new UsageError('import-toyci needs a file: api-manager import-toyci <config.yaml>');
  const { convertToyciReport, ToyciError } = await import('./toyci-import.js');
  let text;
  try {
    text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${err.code ?? err.message}`);
  }
  let out;
  try {
    const report = convertToyciReport(text, {
      repository: opts.repository,
      tokenEnv: opts.tokenEnv,
      secretEnv: opts.secretEnv,
      repoConfig: opts.repoConfig,
      env: process.env,
    });
    out = report.yaml;
    for (const w of report.warnings) console.error(`api-manager: warning: ${w}`);
  } catch (err) {
    if (err instanceof ToyciError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
  if (opts.output) {
    await writeFile(opts.output, out);
    console.error(`Wrote ${opts.output}`);
  } else process.stdout.write(out);
  return 0;
}

async function main(argv) {
  const opts = parseArgs(argv);
  const command = opts.positional[0];
  if (opts.help || !command) {
    console.log(USAGE);
    return opts.help ? 0 : 2;
  }
  if (command === 'import-toyci') return importToyci(opts);
  const { jobs, runs, logs, cancel, retry, schedules } = ops;
  const commands = { apply, export: exportConfig, run, status, jobs, runs, logs, cancel, retry, schedules, backfill };
  const fn = Object.hasOwn(commands, command) ? commands[command] : undefined;
  if (!fn) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)} (${Object.keys(commands).join(', ')}, import-toyci)`,
    );
  }
  try {
    return (await fn(client(opts), opts)) ?? 0;
  } catch (err) {
    if (err instanceof ops.CliUsageError) throw new UsageError(err.message);
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(`api-manager: ${err.message}\nRun api-manager --help for usage.`);
      process.exitCode = 2;
    } else if (err instanceof ApiError) {
      console.error(`api-manager: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error(`api-manager: ${err.stack ?? err}`);
      process.exitCode = 1;
    }
  },
);
