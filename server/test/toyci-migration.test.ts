import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { startTestApp, type TestApp } from './helpers/app.js';
import { git, makeRepo, type TestRepo } from './helpers/git.js';
import { serveGit } from './helpers/git-http.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import { runHelpers } from './helpers/runs.js';
import { applyYaml } from './helpers/config-apply.js';

/**
 * ToyCI's own sample config.yaml (github.com/NorihiroTanaka/ToyCITool, config.yaml), with its
 * commented-out options (max_concurrent_jobs, notifications, venv) switched on.
 */
const TOYCI_SAMPLE = `# CI Tool Configuration
default_timeout: 3600  # default job timeout (seconds)
max_concurrent_jobs: 1

server:
  workspace: "workspace"

git:
  accessToken: \${GIT_ACCESS_TOKEN}

notifications:
  discord:
    webhook_url: \${DISCORD_WEBHOOK_URL}
    on_success: true
    on_failure: true

jobs:
  - name: "Example"
    repo_url: \${GIT_REPO_URL}
    watch_files:
      - "src/*.py"
      - "requirements.txt"
    scripts:
      - "scripts\\\\build.cmd"
      - "scripts\\\\test.cmd"
    target_branch: "main"
    venv: ".venv"
    env:
      PYTHON_ENV: "ci"
`;

/** The older single-`script` shape, repository named by git.repo_url only, plus the server's webhook secret. */
const TOYCI_SINGLE = `default_timeout: 900
max_concurrent_jobs: 3
server:
  webhook_secret: \${TOYCI_SINGLE_SECRET}
git:
  repo_url: git@github.com:example-org/single.git
jobs:
  - name: lint
    script: ruff check .
    watch_files: ["*.py"]
    target_branch: main
`;

/** The sample's shape with scripts a Linux server runs: stops at the first failure, venv active. */
const TOYCI_RUNNABLE = `default_timeout: 120
git:
  repo_url: \${TOYCI_MIGRATION_REPO_URL}
server:
  webhook_secret: \${TOYCI_MIGRATION_SECRET}
jobs:
  - name: Build Site
    watch_files: ["src/*.py"]
    target_branch: main
    venv: .venv
    env:
      PYTHON_ENV: ci
    scripts:
      - "echo first-$PYTHON_ENV; venv-tool"
      - "exit 3"
      - "echo never-reached"
`;

const SECRET = 'toyci-migration-secret-77';
const SINGLE_SECRET = 'toyci-single-secret-78';

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/api-manager.js', ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

let app: TestApp;
let dir: string;
let repo: TestRepo;
let gitHttp: Awaited<ReturnType<typeof serveGit>>;

const { finished } = runHelpers(() => app, 60_000);

const logText = (d: { logs: { message: string }[] }) => d.logs.map((l) => l.message).join('\n');

/** A push of `sha` to main of `repository`, cloned from `cloneUrl`. */
function push(repository: string, sha: string, files: string[], cloneUrl?: string) {
  const payload = githubPush({ repository, after: sha, commits: [{ modified: files }] });
  if (cloneUrl) payload.repository.clone_url = cloneUrl;
  return payload;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apm-toyci-migration-'));
  repo = makeRepo(dir);
  gitHttp = await serveGit(dir);
  Object.assign(process.env, {
    GIT_ACCESS_TOKEN: 'ghp_sampleToken123',
    GIT_REPO_URL: 'https://github.com/example-org/sample.git',
    TOYCI_MIGRATION_SECRET: SECRET,
    TOYCI_SINGLE_SECRET: SINGLE_SECRET,
    TOYCI_MIGRATION_REPO_URL: repo.remote,
    TOYCI_RC_TOKEN: 'rc-token-value-9921',
  });
  app = await startTestApp({
    APP_SECRET: 'toyci-migration-test-secret-0123456789',
    WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
    COMMAND_JOBS_ENABLED: 'true',
    COMMAND_WORKSPACE_DIR: path.join(dir, 'workspaces'),
    REPO_CONFIG_ENV: 'TOYCI_RC_TOKEN',
    WORKER_POLL_MS: '100',
    SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: 'error',
  });
});

afterAll(async () => {
  await app?.close();
  await gitHttp?.close();
  rmSync(dir, { recursive: true, force: true });
  for (const k of [
    'GIT_ACCESS_TOKEN',
    'GIT_REPO_URL',
    'TOYCI_MIGRATION_SECRET',
    'TOYCI_SINGLE_SECRET',
    'TOYCI_MIGRATION_REPO_URL',
    'TOYCI_RC_TOKEN',
  ])
    delete process.env[k];
});

describe('ToyCI config.yaml → import-toyci → config/apply', () => {
  it("imports ToyCI's sample config: every field carried over or named, Windows-only scripts flagged", async () => {
    writeFileSync(path.join(dir, 'sample.yaml'), TOYCI_SAMPLE);
    const out = await cli(['import-toyci', path.join(dir, 'sample.yaml')], {
      GIT_REPO_URL: 'git@github.com:example-org/sample.git',
    });
    expect(out.stderr).toContain('scripts[0] "scripts\\\\build.cmd" looks Windows-only');
    expect(out.code).toBe(0);
    const doc = parse(out.stdout);
    const job = doc.jobs[0];
    expect(job.name).toBe('example');
    expect(job.executor).toMatchObject({
      kind: 'command',
      shell: '/bin/sh',
      timeoutMs: 3_600_000,
      env: { PYTHON_ENV: 'ci' },
      checkout: { url: '${GIT_REPO_URL}', token: { secret: true, value: '${GIT_ACCESS_TOKEN}' } },
    });
    expect(job.executor.script).toContain("VIRTUAL_ENV=$(cd '.venv'");
    expect(job.executor.script).toContain('(\nscripts\\build.cmd\n) || exit $?');
    expect(job.triggers.github).toEqual([
      { repository: 'example-org/sample', branches: ['main'], watchFiles: ['src/**/*.py', 'requirements.txt'] },
    ]);
    expect(job.notifications).toEqual([{ channel: 'toyci-discord', on: ['success', 'failure'] }]);
    expect(out.stdout).toContain(
      '"name\\":\\"toyci-discord\\",\\"type\\":\\"discord\\",\\"url\\":\\"$DISCORD_WEBHOOK_URL',
    );
    expect(out.stdout).toContain('max_concurrent_jobs 1 -> each job runs one at a time');
    expect(out.stdout).toContain('Not carried over: server.workspace');
    expect(out.stdout).toContain('WINDOWS-ONLY: scripts[1] "scripts\\\\test.cmd"');

    const applied = await applyYaml(app, out.stdout);
    expect(applied.status).toBe(200);
    const stored = (await app.api('GET', '/api/v1/jobs/example')).body;
    expect(stored.executor.checkout).toMatchObject({
      url: 'https://github.com/example-org/sample.git',
      token: { secret: true, set: true },
    });
    expect(stored.notifications).toEqual([{ channel: 'toyci-discord', on: ['success', 'failure'] }]);
  });

  it('imports the single-script shape with the repository from git.repo_url (ssh) and the webhook secret as a source', async () => {
    writeFileSync(path.join(dir, 'single.yaml'), TOYCI_SINGLE);
    const out = await cli(['import-toyci', path.join(dir, 'single.yaml'), '--repo-config']);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    const doc = parse(out.stdout);
    expect(doc.sources).toEqual([
      {
        provider: 'github',
        repository: 'example-org/single',
        secret: '${TOYCI_SINGLE_SECRET}',
        repoConfig: true,
        description: 'ToyCI server.webhook_secret',
      },
    ]);
    expect(doc.jobs[0].executor).toMatchObject({ script: 'ruff check .', timeoutMs: 900_000 });
    expect(doc.jobs[0].triggers.github[0]).toEqual({
      repository: 'example-org/single',
      branches: ['main'],
      watchFiles: ['**/*.py'],
    });
    expect(out.stdout).toContain('WORKER_CONCURRENCY=3');
    const applied = await applyYaml(app, out.stdout);
    expect(applied.status).toBe(200);
    expect(applied.body.summary).toMatchObject({ create: 2 });
    const sources = (await app.api('GET', '/api/v1/webhooks/sources')).body.items;
    expect(sources.find((s: { repository: string }) => s.repository === 'example-org/single')).toMatchObject({
      repoConfig: true,
      hasSecret: true,
    });
    const exported = await (await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders })).text();
    expect(parse(exported).sources).toContainEqual(
      expect.objectContaining({ repository: 'example-org/single', repoConfig: true }),
    );
    // The imported source's secret signs this repository's pushes; the server-wide one no longer does.
    const signed = await deliver(app.baseUrl, push('example-org/single', 'a'.repeat(40), ['pkg/a.py']), {
      secret: SINGLE_SECRET,
    });
    expect(signed.status).toBe(200);
    expect(signed.body.triggered_jobs).toEqual(['lint']);
    const other = await deliver(app.baseUrl, push('example-org/single', 'b'.repeat(40), ['pkg/a.py']));
    expect(other.status).toBe(401);
  });

  it('runs an imported job: scripts in order, stopping at the first failure, with its venv active', async () => {
    mkdirSync(path.join(repo.dev, '.venv', 'bin'), { recursive: true });
    writeFileSync(path.join(repo.dev, '.venv', 'bin', 'venv-tool'), '#!/bin/sh\necho "venv-tool from $VIRTUAL_ENV"\n');
    chmodSync(path.join(repo.dev, '.venv', 'bin', 'venv-tool'), 0o755);
    const sha = repo.commitAndPush({ 'src/pkg/util.py': 'x = 1\n' }, 'util');
    writeFileSync(path.join(dir, 'runnable.yaml'), TOYCI_RUNNABLE);
    const out = await cli(['import-toyci', path.join(dir, 'runnable.yaml'), '--repository', 'example-org/toy-app']);
    expect(out.code).toBe(0);
    expect((await applyYaml(app, out.stdout)).status).toBe(200);

    const d = await deliver(app.baseUrl, push('example-org/toy-app', sha, ['src/pkg/util.py']), { secret: SECRET });
    expect([d.status, d.body.triggered_jobs]).toEqual([200, ['build-site']]);
    const delivery = (await app.api('GET', `/api/v1/webhooks/deliveries/${d.body.delivery_id}`)).body;
    const exec = await finished(delivery.executions[0].id);
    const logs = logText(exec);
    expect(logs).toContain('first-ci');
    expect(logs).toMatch(/venv-tool from \/.*\/workspace\/\.venv/);
    expect(logs).not.toContain('never-reached');
    expect(exec.status).toBe('failed');
    expect(exec.error).toBe('The script exited with code 3');
    expect(exec.request.timeoutMs).toBe(120_000);
  });
});

describe('CI config in the repository (.toyci.yaml / .api-manager.yaml at the pushed commit)', () => {
  const REPO = 'example-org/toy-repo';
  const RC_SECRET = 'repo-config-secret-31';
  let sourceId: string;

  beforeAll(async () => {
    const res = await app.api('POST', '/api/v1/webhooks/sources', {
      provider: 'github',
      repository: REPO,
      secret: RC_SECRET,
      repoConfig: true,
    });
    expect(res.status).toBe(201);
    expect(res.body.repoConfig).toBe(true);
    sourceId = res.body.id;
  });

  it('refuses repoConfig on a source that accepts unsigned pushes', async () => {
    const res = await app.api('POST', '/api/v1/webhooks/sources', {
      provider: 'github',
      repository: 'example-org/unsigned',
      insecure: true,
      repoConfig: true,
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('repoConfig needs a secret');
  });

  it("runs a .toyci.yaml job read from the pushed commit, with the push's repository and branch", async () => {
    const toyci = [
      'jobs:',
      '  - name: build',
      '    watch_files: ["src/*.py"]',
      '    env:',
      '      MODE: ci',
      '      TOKEN: ${TOYCI_RC_TOKEN}',
      '    timeout: 60',
      '    scripts:',
      '      - echo "mode=$MODE token=$TOKEN branch=$CI_BRANCH"',
      '      - test "$(git rev-parse HEAD)" = "$CI_COMMIT_SHA"',
      '  - name: docs',
      '    script: echo docs',
      '    watch_files: ["docs/*"]',
      '  - name: never',
      '    script: echo never',
    ].join('\n');
    const sha = repo.commitAndPush({ '.toyci.yaml': toyci, 'src/app/main.py': 'print(1)\n' }, 'ci in the repo');
    const d = await deliver(app.baseUrl, push(REPO, sha, ['src/app/main.py'], gitHttp.url('remote.git')), {
      secret: RC_SECRET,
    });
    expect(d.status).toBe(200);
    expect(d.body.repo_config_error).toBeUndefined();
    expect(d.body.triggered_jobs).toEqual(['example-org-toy-repo.build']);
    const delivery = (await app.api('GET', `/api/v1/webhooks/deliveries/${d.body.delivery_id}`)).body;
    expect(delivery.repoConfig).toEqual({
      file: '.toyci.yaml',
      commit: sha,
      jobs: ['example-org-toy-repo.build', 'example-org-toy-repo.docs', 'example-org-toy-repo.never'],
      error: null,
    });
    const build = delivery.matches.find((m: { jobName: string }) => m.jobName === 'example-org-toy-repo.build');
    expect(build.reason).toContain(`(from .toyci.yaml at ${sha.slice(0, 12)})`);
    const never = delivery.matches.find((m: { jobName: string }) => m.jobName === 'example-org-toy-repo.never');
    expect(never).toMatchObject({ matched: false });
    expect(never.reason).toContain('no watch_files');

    const exec = await finished(delivery.executions[0].id);
    expect(exec.status).toBe('succeeded');
    expect(logText(exec)).toContain('mode=ci token=*** branch=main');
    expect(JSON.stringify(exec)).not.toContain('rc-token-value-9921');
    const job = (await app.api('GET', '/api/v1/jobs/example-org-toy-repo.build')).body;
    expect(job).toMatchObject({ group: `repo:${REPO}`, triggers: {} });
    expect(job.executor.timeoutMs).toBe(60_000);
  });

  it('a broken file fails the evaluation with its error in the deliveries log and runs none of its jobs', async () => {
    const before = (await app.api('GET', '/api/v1/jobs/example-org-toy-repo.docs')).body.version;
    const sha = repo.commitAndPush(
      {
        '.toyci.yaml': 'jobs:\n  - name: docs\n    script: echo changed\n    watch_files: ["docs/*"\n',
        'docs/a.md': 'a\n',
      },
      'broken ci file',
    );
    const d = await deliver(app.baseUrl, push(REPO, sha, ['docs/a.md'], gitHttp.url('remote.git')), {
      secret: RC_SECRET,
    });
    expect(d.status).toBe(200);
    expect(d.body.triggered_jobs).toEqual([]);
    expect(d.body.repo_config_error).toMatch(/^YAML line \d+, column \d+: /);
    const delivery = (await app.api('GET', `/api/v1/webhooks/deliveries/${d.body.delivery_id}`)).body;
    expect(delivery.repoConfig).toMatchObject({ file: '.toyci.yaml', commit: sha, jobs: [] });
    expect(delivery.repoConfig.error).toBe(d.body.repo_config_error);
    expect(delivery.executions).toEqual([]);
    // Nothing of the half-read file was written.
    expect((await app.api('GET', '/api/v1/jobs/example-org-toy-repo.docs')).body.version).toBe(before);

    // A server variable outside REPO_CONFIG_ENV is refused by name; no job of that file runs either.
    const sha2 = repo.commitAndPush(
      {
        '.toyci.yaml':
          'jobs:\n  - name: docs\n    script: echo "$K"\n    watch_files: ["docs/*"]\n    env:\n      K: ${TOYCI_MIGRATION_SECRET}\n',
        'docs/b.md': 'b\n',
      },
      'reads a secret it may not',
    );
    const d2 = await deliver(app.baseUrl, push(REPO, sha2, ['docs/b.md'], gitHttp.url('remote.git')), {
      secret: RC_SECRET,
    });
    expect(d2.body.triggered_jobs).toEqual([]);
    expect(d2.body.repo_config_error).toContain("TOYCI_MIGRATION_SECRET is not one of the server's REPO_CONFIG_ENV");
  });

  it('reads the native .api-manager.yaml (jobs.yaml job shape, command jobs only)', async () => {
    const native = [
      'jobs:',
      '  - name: native',
      '    executor:',
      '      kind: command',
      '      script: echo "native on $CI_BRANCH"',
      '    triggers:',
      '      github:',
      '        - watchFiles: ["lib/**"]',
    ].join('\n');
    const sha = repo.commitAndPush({ '.api-manager.yaml': native, 'lib/x/y.ts': 'y\n' }, 'native ci file');
    const d = await deliver(app.baseUrl, push(REPO, sha, ['lib/x/y.ts'], gitHttp.url('remote.git')), {
      secret: RC_SECRET,
    });
    expect(d.body.repo_config_error).toBeUndefined();
    expect(d.body.triggered_jobs).toEqual(['example-org-toy-repo.native']);
    const delivery = (await app.api('GET', `/api/v1/webhooks/deliveries/${d.body.delivery_id}`)).body;
    expect(delivery.repoConfig.file).toBe('.api-manager.yaml');
    const exec = await finished(delivery.executions[0].id);
    expect(exec.status).toBe('succeeded');
    expect(logText(exec)).toContain('native on main');

    const http = repo.commitAndPush(
      { '.api-manager.yaml': 'jobs:\n  - name: call\n    executor: {kind: http, url: "http://127.0.0.1:1/"}\n' },
      'http job',
    );
    const refused = await deliver(app.baseUrl, push(REPO, http, ['lib/x/y.ts'], gitHttp.url('remote.git')), {
      secret: RC_SECRET,
    });
    expect(refused.body.repo_config_error).toBe('jobs[0].executor must be a command executor (kind: command)');
    expect(sourceId).toBeTruthy();
    git(repo.dev, 'log', '-1');
  });
});
