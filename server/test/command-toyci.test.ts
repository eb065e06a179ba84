import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { fnmatchToGlobs } from '../../bin/toyci-import.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import { applyYaml } from './helpers/config-apply.js';

const TOYCI = `
repository: example-org/toy-app
jobs:
  - name: Build Site
    script: |
      echo "building \${CI_COMMIT_SHA}"
      make site
    watch_files: ["src/*.py", "docs/*"]
    env:
      MODE: prod
    timeout: 120
    target_branch: main
  - name: lint
    script: ["ruff check .", "echo done"]
`;
const TOKEN = 'toyci-token-value-4242';

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/api-manager.js', ...args], (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('api-manager import-toyci', () => {
  let app: TestApp;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'apm-toyci-'));
    file = path.join(dir, 'config.yaml');
    writeFileSync(file, TOYCI);
    process.env.TOYCI_TEST_TOKEN = TOKEN;
    app = await startTestApp({
      APP_SECRET: 'command-toyci-test-secret-0123456789',
      WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
      COMMAND_JOBS_ENABLED: 'true',
      WORKERS_ENABLED: 'false',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
    delete process.env.TOYCI_TEST_TOKEN;
  });

  it('converts fnmatch watch_files to globs that match the same files', () => {
    expect(fnmatchToGlobs('src/*.py').globs).toEqual(['src/**/*.py']);
    expect(fnmatchToGlobs('docs/*').globs).toEqual(['docs/**']);
    expect(fnmatchToGlobs('*.md').globs).toEqual(['**/*.md']);
    expect(fnmatchToGlobs('test*').globs).toEqual(['test*', 'test*/**']);
    expect(fnmatchToGlobs('Makefile').globs).toEqual(['Makefile']);
    expect(fnmatchToGlobs('./setup.cfg').globs).toEqual(['setup.cfg']);
  });

  it('prints jobs.yaml command jobs that apply, trigger on matching pushes and re-apply unchanged', async () => {
    const out = await cli('import-toyci', file, '--token-env', 'TOYCI_TEST_TOKEN');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('watch_files "src/*.py" (fnmatch) -> ["src/**/*.py"] (the same files)');
    expect(out.stdout).toContain('NOT TRIGGERED BY PUSHES: no watch_files');
    const doc = parse(out.stdout);
    expect(doc.jobs[0]).toEqual({
      name: 'build-site',
      title: 'Build Site',
      group: 'toyci',
      executor: {
        kind: 'command',
        shell: '/bin/sh',
        script: 'echo "building $${CI_COMMIT_SHA}"\nmake site\n',
        env: { MODE: 'prod' },
        timeoutMs: 120_000,
        checkout: { token: { secret: true, value: '${TOYCI_TEST_TOKEN}' } },
        commitBack: {},
      },
      concurrency: { max: 1, overlap: 'queue' },
      triggers: {
        github: [{ repository: 'example-org/toy-app', branches: ['main'], watchFiles: ['src/**/*.py', 'docs/**'] }],
      },
    });
    expect(doc.jobs[1].executor.script).toBe(
      '# scripts[0]\n(\nruff check .\n) || exit $?\n# scripts[1]\n(\necho done\n) || exit $?\n',
    );
    expect(doc.jobs[1].executor.timeoutMs).toBe(3_600_000); // ToyCI's default_timeout default
    expect(doc.jobs[1].triggers).toBeUndefined(); // ToyCI ran a job without watch_files on no push

    const applied = await applyYaml(app, out.stdout);
    expect(applied.status).toBe(200);
    expect(applied.body.summary).toMatchObject({ create: 2 });
    const job = (await app.api('GET', '/api/v1/jobs/build-site')).body;
    expect(job.executor).toMatchObject({
      kind: 'command',
      script: 'echo "building ${CI_COMMIT_SHA}"\nmake site\n',
      timeoutMs: 120_000,
      checkout: { token: { secret: true, set: true } },
      commitBack: { authorName: 'API Manager' },
    });
    expect(job.concurrency).toMatchObject({ max: 1, overlap: 'queue' });

    // Same file again: nothing to do (the token compares by its plain value).
    const again = await applyYaml(app, out.stdout);
    expect(again.body.summary).toMatchObject({ create: 0, update: 0, unchanged: 2 });

    // Export: the command job, its token hidden.
    const exported = await (await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders })).text();
    expect(exported).toContain('kind: command');
    expect(exported).not.toContain(TOKEN);
    const ex = parse(exported).jobs.find((j: { name: string }) => j.name === 'build-site');
    expect(ex.executor.checkout).toEqual({ token: { secret: true } });

    // fnmatch `src/*.py` also matched nested files; so does the converted glob.
    const d = await deliver(
      app.baseUrl,
      githubPush({ repository: 'example-org/toy-app', commits: [{ added: ['src/pkg/util.py'] }] }),
    );
    expect(d.body.triggered_jobs).toEqual(['build-site']);
    const other = await deliver(
      app.baseUrl,
      githubPush({ repository: 'example-org/toy-app', ref: 'refs/heads/dev', commits: [{ added: ['src/a.py'] }] }),
    );
    expect(other.body.triggered_jobs).toEqual([]);
  });

  it('reports unusable configs as usage errors', async () => {
    writeFileSync(path.join(dir, 'bad.yaml'), 'jobs:\n  - name: x\n');
    const bad = await cli('import-toyci', path.join(dir, 'bad.yaml'), '--repository', 'org/repo');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('jobs[0].script is missing');
    writeFileSync(path.join(dir, 'norepo.yaml'), 'jobs:\n  - name: x\n    script: make\n');
    const norepo = await cli('import-toyci', path.join(dir, 'norepo.yaml'));
    expect(norepo.stderr).toContain('give it repo_url or git.repo_url, or pass --repository owner/name');
    expect((await cli('import-toyci', path.join(dir, 'missing.yaml'))).stderr).toContain('cannot read');
  });
});
