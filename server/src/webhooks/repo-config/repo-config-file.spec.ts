import { describe, expect, it } from '@jest/globals';
import { parseRepoConfig, repoJobName } from './repo-config-file.js';

const fails = (file: '.toyci.yaml' | '.api-manager.yaml', text: string) => {
  try {
    parseRepoConfig(file, text);
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('parsed');
};

describe('repository CI files', () => {
  it('reads .toyci.yaml jobs as ToyCI did: scripts in order, venv, env, timeout, fnmatch watch_files', () => {
    const [job, bare] = parseRepoConfig(
      '.toyci.yaml',
      [
        'jobs:',
        '  - name: build',
        '    scripts: [make, "make test"]',
        '    venv: .venv',
        '    env: {A: "1", T: "${TOKEN}"}',
        '    timeout: 30',
        '    watch_files: ["test*", "src/*.py"]',
        '  - name: bare',
        '    script: echo ${HOME}',
      ].join('\n'),
    );
    expect(job.name).toBe('build');
    expect(job.watchFiles).toEqual(['test*', 'test*/**', 'src/**/*.py']);
    const ex = job.definition.executor as { env: Record<string, unknown>; script: string };
    expect(ex).toMatchObject({ kind: 'command', shell: '/bin/sh', timeoutMs: 30_000, env: { A: '1' } });
    expect(ex.env.T).toEqual({ secret: true, value: '${TOKEN}' });
    expect(ex.script).toContain("VIRTUAL_ENV=$(cd '.venv'");
    expect(ex.script).toContain('# scripts[1]\n(\nmake test\n) || exit $?');
    expect(bare.watchFiles).toBeNull(); // ToyCI ran a job without watch_files on no push
    expect((bare.definition.executor as { script: string }).script).toBe('echo $${HOME}');
    expect((bare.definition.executor as { timeoutMs: number }).timeoutMs).toBe(3_600_000);
  });

  it('names the field that is wrong', () => {
    expect(fails('.toyci.yaml', 'jobs:\n  - name: a\n')).toBe('jobs[0].script is missing');
    expect(fails('.toyci.yaml', 'jobs:\n  - name: a\n    script: x\n    repo_url: y\n')).toBe(
      'jobs[0].repo_url is not a field of a .toyci.yaml job',
    );
    expect(fails('.toyci.yaml', 'jobs:\n  - name: A b\n    script: x\n')).toContain('jobs[0].name must be a slug');
    expect(fails('.toyci.yaml', 'jobs:\n  - {name: a, script: x}\n  - {name: a, script: y}\n')).toBe(
      'jobs[1].name a is used twice',
    );
    expect(fails('.toyci.yaml', 'jobs:\n  - {name: a, script: x, timeout: 0}\n')).toContain('jobs[0].timeout');
    expect(fails('.toyci.yaml', 'jobs: [\n')).toMatch(/^YAML line \d+, column \d+: /);
    expect(fails('.toyci.yaml', 'server: {}\njobs: []\n')).toBe('.toyci.yaml: server is not supported (only jobs)');
    expect(
      fails('.api-manager.yaml', 'jobs:\n  - name: a\n    executor: {kind: command, script: x}\n    onSuccess: []\n'),
    ).toContain('jobs[0].onSuccess is not allowed in a repository file');
    expect(
      fails(
        '.api-manager.yaml',
        'jobs:\n  - name: a\n    executor: {kind: command, script: x, checkout: {url: /etc}}\n',
      ),
    ).toBe('jobs[0].executor.checkout is not allowed in a repository file');
  });

  it('prefixes server job names with the repository', () => {
    expect(repoJobName('Example-Org/Toy.App', 'build')).toBe('example-org-toy.app.build');
  });
});
