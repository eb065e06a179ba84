import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from './helpers/app.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node bin/api-manager.js ...` in its own process, URL and token from the environment. */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/api-manager.js', ...args],
      { env: { PATH: process.env.PATH, ...env }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Issue 20: the CLI does what the admin does (jobs, runs, logs --follow, cancel, retry, schedules). */
describe('api-manager CLI: operator commands', () => {
  let app: TestApp;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'apm-cli-ops-'));
    app = await startTestApp({
      COMMAND_JOBS_ENABLED: 'true',
      COMMAND_WORKSPACE_DIR: join(dir, 'ws'),
      COMMAND_KILL_GRACE_MS: '500',
      WORKER_POLL_MS: '100',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'error',
    });
    env = { API_MANAGER_URL: app.baseUrl, API_MANAGER_TOKEN: app.authHeaders.authorization!.slice('Bearer '.length) };
    const command = (name: string, script: string) =>
      app.api('POST', '/api/v1/jobs', { name, executor: { kind: 'command', script, timeoutMs: 60_000 } });
    // `go` waits for a file, so the follower is attached before the run writes its last lines.
    const gate = join(dir, 'gate');
    expect(
      (await command('talker', `echo "first line"\nwhile [ ! -f ${gate} ]; do sleep 0.1; done\necho "second line"`))
        .status,
    ).toBe(201);
    expect((await command('breaker', 'echo "about to fail"\nexit 4')).status).toBe(201);
    expect((await command('sleeper', 'sleep 30')).status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const run = async (job: string): Promise<string> =>
    (await app.api('POST', `/api/v1/jobs/${job}/runs`, { params: {} })).body.execution.id as string;
  const statusOf = async (id: string): Promise<string> =>
    (await app.api('GET', `/api/v1/executions/${id}`)).body.status as string;

  it('jobs list prints every job with its kind', async () => {
    const res = await cli(['jobs', 'list'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^NAME\s+KIND\s+ENABLED\s+TITLE/m);
    for (const name of ['talker', 'breaker', 'sleeper'])
      expect(res.stdout).toMatch(new RegExp(`^${name}\\s+command\\s+yes`, 'm'));
    const json = JSON.parse((await cli(['jobs', 'list', '--json'], env)).stdout) as Array<{ name: string }>;
    expect(json.map((j) => j.name).sort()).toEqual(['breaker', 'sleeper', 'talker']);
    // Lists are pages: the CLI follows nextCursor to the end (here two jobs a page).
    const paged = await cli(['jobs', 'list', '--json'], { ...env, API_MANAGER_PAGE_SIZE: '2' });
    expect((JSON.parse(paged.stdout) as Array<{ name: string }>).map((j) => j.name).sort()).toEqual([
      'breaker',
      'sleeper',
      'talker',
    ]);
  });

  it('logs --follow prints lines as they come and exits 0 on success, 3 on failure', async () => {
    const id = await run('talker');
    const child = spawn(process.execPath, ['bin/api-manager.js', 'logs', id, '--follow'], {
      env: { PATH: process.env.PATH!, ...env },
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    await until(async () => out.includes('first line'), 'the first line');
    expect(out).not.toContain('second line');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'gate'), '');
    expect(await exited).toBe(0);
    expect(out).toContain('second line');
    expect(out).toContain('Finished: succeeded');

    const failed = await run('breaker');
    const res = await cli(['logs', failed, '--follow'], env);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('about to fail');
    expect(res.stdout).toContain('Finished: failed');
    // without --follow: the lines so far, exit 0
    const once = await cli(['logs', failed], env);
    expect(once.code).toBe(0);
    expect(once.stdout).toContain('about to fail');
  });

  it('runs list filters by job and status, with a limit; a bad limit or status is a clear error', async () => {
    const res = await cli(['runs', 'list', '--job', 'breaker', '--status', 'failed', '--limit', '5'], env);
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^ID\s+JOB\s+STATUS\s+TRIGGER/);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines.slice(1)) expect(line).toMatch(/^\S+\s+breaker\s+failed\s+/);
    const all = await cli(['runs', 'list', '--limit', '1'], env);
    expect(all.stdout.trim().split('\n')).toHaveLength(2);
    const badLimit = await cli(['runs', 'list', '--limit', 'lots'], env);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toContain('--limit');
    const badStatus = await cli(['runs', 'list', '--status', 'weird'], env);
    expect(badStatus.code).toBe(1);
    expect(badStatus.stderr).toContain('status must be one of');
  });

  it('cancel stops a running execution; retry runs a finished one again', async () => {
    const id = await run('sleeper');
    await until(async () => (await statusOf(id)) === 'running', 'the sleeper to run');
    const res = await cli(['cancel', id], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Execution ${id} of sleeper`);
    await until(async () => (await statusOf(id)) === 'cancelled', 'the cancel');

    const again = await cli(['cancel', id], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('409');

    const retried = await cli(['retry', id], env);
    expect(retried.code).toBe(0);
    const newId = /Execution (\S+) of sleeper/.exec(retried.stdout)![1]!;
    expect(newId).not.toBe(id);
    const detail = (await app.api('GET', `/api/v1/executions/${newId}`)).body;
    expect(detail).toMatchObject({ trigger: 'retry', retryOf: id });
    await cli(['cancel', newId], env);
    await until(async () => (await statusOf(newId)) === 'cancelled', 'the second cancel');

    expect((await cli(['cancel'], env)).code).toBe(2);
  });

  it('retry --failed re-runs only the failed children of a fan-out into the same parent', async () => {
    const fixed = join(dir, 'fixed');
    const created = await app.api('POST', '/api/v1/jobs', {
      name: 'fanner',
      executor: {
        kind: 'command',
        script: `if [ "$device_id" = bad ] && [ ! -f ${fixed} ]; then echo "bad device"; exit 1; fi\necho "ok $device_id"`,
        timeoutMs: 60_000,
      },
      params: [{ name: 'device_id', type: 'string[]', fanOut: true, required: true }],
    });
    expect(created.status).toBe(201);
    const parent = (await app.api('POST', '/api/v1/jobs/fanner/runs', { params: { device_id: ['a', 'bad', 'c'] } }))
      .body.execution.id as string;
    await until(async () => (await statusOf(parent)) === 'partial', 'the fan-out to settle partial');
    writeFileSync(fixed, '');
    const res = await cli(['retry', parent, '--failed'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Execution ${parent} of fanner: running (2/3 done, 1 re-running)`);
    await until(async () => (await statusOf(parent)) === 'succeeded', 'the parent to succeed');
    const d = (await app.api('GET', `/api/v1/executions/${parent}`)).body;
    expect(d.progress).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(d.children).toHaveLength(4);
    // Nothing failed now: a second retry --failed is refused (409).
    const again = await cli(['retry', parent, '--failed'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('409');
  });

  it('schedules list, pause and resume', async () => {
    const created = await app.api('POST', '/api/v1/schedules', {
      job: 'talker',
      cron: '0 3 * * *',
      timezone: 'Asia/Tokyo',
      name: 'nightly',
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const list = await cli(['schedules', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(
      new RegExp(`^${id}\\s+talker\\s+nightly\\s+0 3 \\* \\* \\* \\(Asia/Tokyo\\)\\s+yes`, 'm'),
    );

    const paused = await cli(['schedules', 'pause', id], env);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('paused');
    expect((await app.api('GET', `/api/v1/schedules/${id}`)).body).toMatchObject({ enabled: false, nextRunAt: null });
    expect((await cli(['schedules', 'list'], env)).stdout).toMatch(new RegExp(`^${id}\\s.*\\spaused\\s`, 'm'));

    const resumed = await cli(['schedules', 'resume', id], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('enabled');
    expect((await app.api('GET', `/api/v1/schedules/${id}`)).body.enabled).toBe(true);

    expect((await cli(['schedules', 'pause'], env)).code).toBe(2);
    expect((await cli(['schedules', 'frobnicate'], env)).code).toBe(2);
  });
});
