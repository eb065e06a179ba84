// api-manager backfill <job> --dates a..b [--param k=v1,v2 ...] [--only-missing] [--dry-run] [--parallelism N]
//   [--date-param NAME] [--timeout s] [--json]
// Issue 21: run a job (a pipeline's root job) over a date range × key lists. --dry-run prints the preview
// (total, skipped as already done, to run) and creates nothing; otherwise the backfill's progress is printed
// until its parent execution finishes (exit 0 succeeded, 3 otherwise).
import { CliUsageError, FINAL } from './cli-operations.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `--param device_id=a,b,c` → a list (a key crossed with the dates); `--param mode=full` → one value. */
function backfillParams(list) {
  const params = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new CliUsageError(`--param ${JSON.stringify(p)} must be key=value or key=a,b,c`);
    const key = p.slice(0, i);
    const values = p
      .slice(i + 1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const prev = params[key];
    if (prev !== undefined) params[key] = [].concat(prev, values);
    else params[key] = values.length === 1 && !p.slice(i + 1).includes(',') ? values[0] : values;
  }
  return params;
}

export async function backfill(call, opts) {
  const job = opts.positional[1];
  if (!job) throw new CliUsageError('backfill needs a job name: api-manager backfill <job> --dates a..b');
  if (!opts.dates) throw new CliUsageError('backfill needs --dates, e.g. --dates 2026-11-01..2026-11-07');
  const body = { job, dates: opts.dates, params: backfillParams(opts.params), onlyMissing: !!opts.onlyMissing };
  if (opts.parallelism !== undefined) {
    const n = Number(opts.parallelism);
    if (!Number.isInteger(n) || n < 1) throw new CliUsageError('--parallelism must be a whole number, at least 1');
    body.parallelism = n;
  }
  if (opts['date-param']) body.dateParam = opts['date-param'];
  const timeoutS = opts.timeout === undefined ? 3600 : Number(opts.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0)
    throw new CliUsageError('--timeout must be a positive number of seconds');

  if (opts.dryRun) {
    const p = await call('POST', '/api/v1/backfills/preview', { body: JSON.stringify(body) });
    if (opts.json) return console.log(JSON.stringify(p, null, 2));
    console.log(
      `Backfill of ${p.job} over ${p.dates.length} date(s): ${p.total} run(s) in all, ${p.skipped} already succeeded, ${p.toRun} to run (dry run, nothing created).`,
    );
    for (const k of p.sample)
      console.log(
        `  ${Object.entries(k)
          .map(([a, b]) => `${a}=${b}`)
          .join(' ')}`,
      );
    if (p.toRun > p.sample.length) console.log(`  … and ${p.toRun - p.sample.length} more`);
    return 0;
  }
  const res = await call('POST', '/api/v1/backfills', { body: JSON.stringify(body) });
  if (opts.json) console.log(JSON.stringify(res, null, 2));
  else {
    console.log(
      `Backfill of ${res.job}: ${res.total} run(s) in all, ${res.skipped} already succeeded, ${res.toRun} to run.`,
    );
    console.log(`Execution ${res.executionId}`);
  }
  const deadline = Date.now() + timeoutS * 1000;
  let last = '';
  for (;;) {
    const d = await call('GET', `/api/v1/executions/${encodeURIComponent(res.executionId)}`);
    const p = d.progress ?? { total: 0, done: 0, failed: 0, cancelled: 0 };
    const line = `  ${d.status}: ${p.done}/${p.total} done, ${p.failed} failed, ${p.cancelled} cancelled`;
    if (line !== last && !opts.json) console.log(line);
    last = line;
    if (FINAL.has(d.status)) {
      if (!opts.json) console.log(`Finished: ${d.status}${d.error ? ` — ${d.error}` : ''}`);
      return d.status === 'succeeded' ? 0 : 3;
    }
    if (Date.now() > deadline) {
      console.error(`Gave up waiting after ${timeoutS} s (status ${d.status}); the backfill goes on on the server.`);
      return 3;
    }
    await sleep(500);
  }
}
