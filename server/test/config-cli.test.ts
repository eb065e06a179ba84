import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { startMock, stopMock } from './helpers/mock-services.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `node bin/api-manager.js ...` as a user would (its own process, env for URL and token). */
function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
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

describe('the api-manager CLI against a running server', () => {
  let app: TestApp;
  let mock: Awaited<ReturnType<typeof startMock>>;
  let dir: string;
  let file: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    mock = await startMock();
    app = await startTestApp({ SCHEDULER_ENABLED: 'false' });
    dir = mkdtempSync(join(tmpdir(), 'apm-cli-'));
    file = join(dir, 'watchme.jobs.yaml');
    // (a file with many schedules: the WatchMe jobs before pipelines; see pipeline-watchme.test.ts for the example)
    const example = readFileSync('server/test/fixtures/watchme-staggered.jobs.yaml', 'utf8');
    writeFileSync(file, example.replaceAll('http://127.0.0.1:8090', mock.url));
    env = { API_MANAGER_URL: app.baseUrl, API_MANAGER_TOKEN: app.authHeaders.authorization!.slice('Bearer '.length) };
  });
  afterAll(async () => {
    await app?.close();
    await stopMock(mock?.proc);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apply --dry-run prints the plan, apply writes it, a second apply changes nothing', async () => {
    const dry = await cli(['apply', file, '--dry-run'], env);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^create\s+job\s+transcriber$/m);
    expect(dry.stdout).toContain(
      'Plan (dry run, nothing written): 19 to create, 0 to update, 0 to delete, 0 unchanged.',
    );
    expect((await query(app.db.url, 'SELECT 1 FROM jobs')).length).toBe(0);

    const applied = await cli(['apply', file], env);
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('Applied: 19 to create');
    expect((await query(app.db.url, 'SELECT 1 FROM jobs')).length).toBe(10);

    // --url and --token as options instead of the environment.
    const again = await cli(['apply', file, '--url', env.API_MANAGER_URL!, '--token', env.API_MANAGER_TOKEN!]);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('Nothing to change: 0 to create, 0 to update, 0 to delete, 19 unchanged.');
  });

  it('apply of an invalid file exits 1 with every error naming its path', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'jobs:\n  - name: Bad Name\n    executor: { kind: http, url: "ftp://x" }\n');
    const res = await cli(['apply', bad], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('400 Bad Request');
    expect(res.stderr).toMatch(/- jobs\[0\]\.name must be a slug/);
    expect(res.stderr).toMatch(/- jobs\[0\]\.executor\.url /);
  });

  it('status prints the job status; run --wait follows the run, and its chain runs', async () => {
    const status = await cli(['status', 'timeblock-prompt'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^timeblock-prompt$/m);
    expect(status.stdout).toMatch(/next run: {2}\d{4}-\d{2}-\d{2}T/);
    expect(status.stdout).toContain('last run:  never');

    const run = await cli(['run', 'timeblock-prompt', '--param', 'device_id=d-0042', '--wait'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Execution [0-9a-f-]{36} of timeblock-prompt: (queued|running)$/m);
    expect(run.stdout).toMatch(/^Finished: succeeded/m);
    expect(mock.lines.some((l) => l.includes('GET /generate-timeblock-prompt d-0042 -> 200'))).toBe(true);

    // The chain: timeblock-analysis gets the generated prompt.
    let analysis: { status: string; params: Record<string, unknown> } | undefined;
    for (let i = 0; i < 100 && analysis?.status !== 'succeeded'; i++) {
      await sleep(100);
      const list = await app.api('GET', '/api/v1/executions?job=timeblock-analysis');
      analysis = list.body.items[0];
    }
    expect(analysis?.status).toBe('succeeded');
    expect(analysis?.params.device_id).toBe('d-0042');
    expect(String(analysis?.params.prompt)).toContain('d-0042');

    const after = await cli(['status', 'timeblock-prompt', '--json'], env);
    expect(after.code).toBe(0);
    expect(JSON.parse(after.stdout).lastStatus).toBe('succeeded');
  });

  it('export prints jobs.yaml of the current state', async () => {
    const res = await cli(['export'], env);
    expect(res.code).toBe(0);
    const doc = parse(res.stdout) as { jobs: { name: string }[] };
    expect(doc.jobs).toHaveLength(10);
    const out = join(dir, 'export.yaml');
    const toFile = await cli(['export', '-o', out], env);
    expect(toFile.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('name: timeblock-analysis');
  });

  it('fails clearly: unknown job (1), no token (1), bad usage (2), unreachable server (1)', async () => {
    const missing = await cli(['run', 'no-such-job'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('404 Not Found');
    expect(missing.stderr).toContain('no-such-job');

    const noToken = await cli(['status', 'transcriber'], { API_MANAGER_URL: app.baseUrl });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('401');
    expect(noToken.stderr).toContain('API_MANAGER_TOKEN');

    expect((await cli(['frobnicate'], env)).code).toBe(2);
    expect((await cli(['apply'], env)).stderr).toContain('apply needs a file');
    expect((await cli(['run', 'x', '--param', 'novalue'], env)).code).toBe(2);
    expect((await cli(['apply', join(dir, 'missing.yaml')], env)).code).toBe(2);

    const down = await cli(['status', 'transcriber'], { ...env, API_MANAGER_URL: 'http://127.0.0.1:9' });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});
