// Operator commands of the api-manager CLI (issue 20: CLI parity with the admin):
//   jobs list | runs list | logs <execution> [--follow] | cancel | retry | schedules list|pause|resume
// Each takes `call` (the authenticated fetch wrapper of api-manager.js) and the parsed options.
export const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'skipped', 'partial', 'lost']);

export class CliUsageError extends Error {}

const enc = encodeURIComponent;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Print rows as aligned columns (the header first). */
function table(header, rows) {
  const all = [header, ...rows].map((r) => r.map((c) => (c == null || c === '' ? '-' : String(c))));
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  for (const r of all) console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
}

function needSub(opts, command, subs) {
  const sub = opts.positional[1];
  if (!subs.includes(sub)) throw new CliUsageError(`${command} needs one of: ${subs.join(', ')}`);
  return sub;
}

function needId(opts, index, what) {
  const id = opts.positional[index];
  if (!id) throw new CliUsageError(`${what} needs an execution id`);
  return id;
}

/** Who or what started a run, by name (the server resolves user and token names). */
function triggerText(e) {
  if (e.actor) return `${e.trigger} ${e.actor}`;
  return e.trigger;
}

/** Every item of a paged list (`{items, nextCursor}`), page after page ($API_MANAGER_PAGE_SIZE a page, default 500). */
async function allPages(call, path) {
  const size = Number(process.env.API_MANAGER_PAGE_SIZE) || 500;
  const items = [];
  let cursor = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page = await call('GET', `${path}${sep}limit=${size}${cursor ? `&cursor=${enc(cursor)}` : ''}`);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
  } while (cursor);
  return { items };
}

export async function jobs(call, opts) {
  needSub(opts, 'jobs', ['list']);
  const res = await allPages(call, '/api/v1/jobs');
  if (opts.json) return console.log(JSON.stringify(res.items, null, 2));
  table(
    ['NAME', 'KIND', 'ENABLED', 'TITLE'],
    res.items.map((j) => [j.name, j.executor.kind, j.enabled ? 'yes' : 'no', j.title]),
  );
}

export async function runs(call, opts) {
  needSub(opts, 'runs', ['list']);
  const q = new URLSearchParams();
  if (opts.job) q.set('job', opts.job);
  if (opts.status) q.set('status', opts.status);
  if (opts.limit !== undefined) {
    if (!/^\d+$/.test(opts.limit) || Number(opts.limit) < 1 || Number(opts.limit) > 200)
      throw new CliUsageError('--limit must be a whole number from 1 to 200');
    q.set('limit', opts.limit);
  }
  const res = await call('GET', `/api/v1/executions${q.size ? '?' + q : ''}`);
  if (opts.json) return console.log(JSON.stringify(res.items, null, 2));
  table(
    ['ID', 'JOB', 'STATUS', 'TRIGGER', 'CREATED', 'DURATION'],
    res.items.map((e) => [
      e.id,
      e.jobName,
      e.status,
      triggerText(e),
      e.createdAt,
      e.durationMs == null ? '' : `${e.durationMs} ms`,
    ]),
  );
}

/**
 * Print an execution's log lines; with --follow keep printing new ones until it ends, then
 * exit 0 when it succeeded and 3 otherwise. Polls the execution (the SSE stream carries status
 * changes, not log lines, so a poll is what reads them anyway).
 */
export async function logs(call, opts) {
  const id = needId(opts, 1, 'logs');
  let printed = 0;
  const childStatus = new Map();
  for (;;) {
    const detail = await call('GET', `/api/v1/executions/${enc(id)}`);
    for (const line of detail.logs.slice(printed)) console.log(`${line.at} ${line.level.padEnd(5)} ${line.message}`);
    printed = Math.max(printed, detail.logs.length);
    for (const child of detail.children ?? []) {
      if (childStatus.get(child.id) !== child.status && FINAL.has(child.status)) {
        console.log(`  child ${child.id} (${child.jobName}): ${child.status}`);
      }
      childStatus.set(child.id, child.status);
    }
    const done = FINAL.has(detail.status);
    if (!opts.follow || done) {
      if (!opts.follow) return 0;
      console.log(`Finished: ${detail.status}${detail.error ? ` — ${detail.error}` : ''}`);
      return detail.status === 'succeeded' ? 0 : 3;
    }
    await sleep(500);
  }
}

export async function cancel(call, opts) {
  const id = needId(opts, 1, 'cancel');
  const e = await call('POST', `/api/v1/executions/${enc(id)}/cancel`);
  console.log(`Execution ${e.id} of ${e.jobName}: ${e.status}`);
}

export async function retry(call, opts) {
  const id = needId(opts, 1, 'retry');
  if (opts.failed) {
    const { execution: p } = await call('POST', `/api/v1/executions/${enc(id)}/retry?only=failed`);
    const pr = p.progress;
    const progress = pr ? ` (${pr.done}/${pr.total} done, ${pr.total - pr.done} re-running)` : '';
    console.log(`Execution ${p.id} of ${p.jobName}: ${p.status}${progress}: its failed children run again`);
    return;
  }
  const { execution } = await call('POST', `/api/v1/executions/${enc(id)}/retry`);
  console.log(`Execution ${execution.id} of ${execution.jobName}: ${execution.status} (retry of ${id})`);
}

export async function schedules(call, opts) {
  const sub = needSub(opts, 'schedules', ['list', 'pause', 'resume']);
  if (sub === 'list') {
    const q = opts.job ? `?job=${enc(opts.job)}` : '';
    const res = await allPages(call, `/api/v1/schedules${q}`);
    if (opts.json) return console.log(JSON.stringify(res.items, null, 2));
    table(
      ['ID', 'JOB', 'NAME', 'WHEN', 'ENABLED', 'NEXT RUN'],
      res.items.map((s) => [
        s.id,
        s.jobName,
        s.name,
        `${s.cron ?? `every ${s.intervalSeconds} s`} (${s.timezone})`,
        s.enabled ? 'yes' : 'paused',
        s.nextRunAt,
      ]),
    );
    return;
  }
  const id = opts.positional[2];
  if (!id) throw new CliUsageError(`schedules ${sub} needs a schedule id`);
  const s = await call('POST', `/api/v1/schedules/${enc(id)}/${sub}`);
  console.log(
    `Schedule ${s.id} (${s.jobName} / ${s.name}): ${s.enabled ? 'enabled' : 'paused'}, next run ${s.nextRunAt ?? '-'}`,
  );
}
