import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { RepoConfigReader } from '../src/webhooks/repo-config/repo-config-reader.js';
import { makeRepo, type TestRepo } from './helpers/git.js';
import { serveGit } from './helpers/git-http.js';

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('RepoConfigReader: the CI file of one pushed commit, over real git transports', () => {
  let dir: string;
  let repo: TestRepo;
  let gitHttp: Awaited<ReturnType<typeof serveGit>>;
  let stalled: Server;
  let stalledUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'apm-repo-config-reader-'));
    repo = makeRepo(dir);
    gitHttp = await serveGit(dir);
    // Accepts the connection and never answers.
    stalled = createServer(() => undefined);
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    stalledUrl = `http://127.0.0.1:${(stalled.address() as AddressInfo).port}/x.git`;
  });

  afterAll(async () => {
    stalled?.closeAllConnections();
    await new Promise((resolve) => stalled?.close(resolve));
    await gitHttp?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the file at the pushed commit, not at the branch head', async () => {
    const first = repo.commitAndPush({ '.toyci.yaml': 'jobs: []\n# first\n' }, 'first');
    repo.commitAndPush({ '.toyci.yaml': 'jobs: []\n# second\n' }, 'second');
    const reader = new RepoConfigReader(ENV, 60_000);
    const found = await reader.read(gitHttp.url('remote.git'), first, 'main');
    expect(found).toEqual({ file: '.toyci.yaml', text: 'jobs: []\n# first\n' });
  });

  it('prefers .api-manager.yaml, and answers null for a commit with neither file', async () => {
    const both = repo.commitAndPush({ '.api-manager.yaml': 'jobs: []\n' }, 'native too');
    const reader = new RepoConfigReader(ENV, 60_000);
    expect((await reader.read(gitHttp.url('remote.git'), both, 'main'))?.file).toBe('.api-manager.yaml');
    const none = makeRepo(mkdtempSync(path.join(dir, 'none-')));
    const sha = none.remoteHead().sha;
    const url = gitHttp.url(path.relative(dir, none.remote));
    expect(await reader.read(url, sha, 'main')).toBeNull();
  });

  it('gives up after its timeout on a server that never answers, with a message', async () => {
    const reader = new RepoConfigReader(ENV, 1000);
    await expect(reader.read(stalledUrl, 'a'.repeat(40), 'main')).rejects.toThrow(
      /^fetching aaaaaaaaaaaa took longer than 1000 ms$/,
    );
  });

  it('reads a private repository with the token as an Authorization header', async () => {
    const token = 'ghp_privateRepoToken42';
    const basic = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const priv = await serveGit(dir, { authorization: basic });
    try {
      const sha = repo.commitAndPush({ '.api-manager.yaml': 'jobs: []\n# private\n' }, 'private');
      const withToken = new RepoConfigReader(ENV, 60_000, token);
      expect(await withToken.read(priv.url('remote.git'), sha, 'main')).toEqual({
        file: '.api-manager.yaml',
        text: 'jobs: []\n# private\n',
      });
      const without = new RepoConfigReader(ENV, 60_000);
      const err = await without.read(priv.url('remote.git'), sha, 'main').catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^fetching branch main failed: /);
      expect((err as Error).message).not.toContain(token);
    } finally {
      await priv.close();
    }
  });

  it('refuses URLs git may not use for a payload (local paths, ext::) and non-commit ids', async () => {
    const reader = new RepoConfigReader(ENV, 60_000);
    await expect(reader.read(repo.remote, 'a'.repeat(40), 'main')).rejects.toThrow('clone URL git may not use');
    await expect(reader.read('ext::sh -c touch% /tmp/x', 'a'.repeat(40), 'main')).rejects.toThrow(
      'clone URL git may not use',
    );
    await expect(reader.read(gitHttp.url('remote.git'), '--upload-pack=x', 'main')).rejects.toThrow(
      'is not a commit id',
    );
  });
});
