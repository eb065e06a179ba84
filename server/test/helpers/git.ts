import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** git for tests: no user/system config, a fixed identity. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=Test Dev', '-c', 'user.email=dev@example.com', '-c', 'init.defaultBranch=main', ...args],
    {
      cwd,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: cwd, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  ).trim();
}

export interface TestRepo {
  /** The bare "remote" (its path is the clone URL). */
  remote: string;
  /** A working clone that pushes to it. */
  dev: string;
  /** Write files, commit them, push main; returns the new commit's sha. */
  commitAndPush(files: Record<string, string>, message: string): string;
  /** The remote's main: sha, subject and parent. */
  remoteHead(): { sha: string; subject: string; parent: string };
  show(file: string): string;
}

/** A bare remote with one commit on main, and a clone of it. */
export function makeRepo(dir: string): TestRepo {
  const remote = path.join(dir, 'remote.git');
  const dev = path.join(dir, 'dev');
  mkdirSync(remote, { recursive: true });
  git(remote, 'init', '-q', '--bare', '-b', 'main');
  git(dir, 'clone', '-q', remote, dev);
  const repo: TestRepo = {
    remote,
    dev,
    commitAndPush(files, message) {
      for (const [name, content] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dev, name)), { recursive: true });
        writeFileSync(path.join(dev, name), content);
      }
      git(dev, 'add', '-A');
      git(dev, 'commit', '-q', '-m', message);
      git(dev, 'push', '-q', 'origin', 'HEAD:main');
      return git(dev, 'rev-parse', 'HEAD');
    },
    remoteHead() {
      const [sha, subject, parent] = git(remote, 'log', '-1', '--format=%H%n%s%n%P', 'main').split('\n');
      return { sha, subject, parent };
    },
    show(file) {
      return git(remote, 'show', `main:${file}`);
    },
  };
  repo.commitAndPush({ 'README.md': '# site\n' }, 'initial');
  return repo;
}
