import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
import {
  initCluster,
  packagedNativeDir,
  preparePostgresRuntime,
  startCluster,
} from '../src/database/postgres-process.js';
import { freePort } from './helpers/ports.js';

const LAUNCHER = new URL('../../dist/server/src/database/embedded-postgres.js', import.meta.url).pathname;

async function sql(url: string, text: string): Promise<unknown[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows;
  } finally {
    await c.end();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('embedded Postgres launcher', () => {
  let dir: string;
  let port: number;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'apm-embedded-'));
    port = await freePort();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('initialises, stops, and restarts on the same data dir keeping the data', async () => {
    const first = await startEmbeddedPostgres({ dataDir: dir, port });
    await sql(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await first.stop();
    await expect(sql(first.url, 'SELECT 1')).rejects.toThrow();

    const second = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      expect(await sql(second.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
    } finally {
      await second.stop();
    }
  });

  it('recovers a Postgres left running by a killed server, with a one-line message', async () => {
    // A separate process starts Postgres, then dies by SIGKILL: its Postgres is orphaned.
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { startEmbeddedPostgres } = await import(${JSON.stringify(LAUNCHER)});
         await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dir)}, port: ${port} });
         console.log('ready'); setInterval(() => {}, 1000);`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`launcher child exited early (${code})`)));
    });
    const orphanPid = Number((await readFile(path.join(dir, 'cluster', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(alive(orphanPid)).toBe(true);

    const messages: string[] = [];
    const pgAgain = await startEmbeddedPostgres({ dataDir: dir, port, onInfo: (m) => messages.push(m) });
    try {
      expect(alive(orphanPid)).toBe(false);
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatch(new RegExp(`^Recovered embedded Postgres: stopped a server \\(pid ${orphanPid}\\)`));
      expect(await sql(pgAgain.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
    } finally {
      await pgAgain.stop();
    }
  });

  it('refuses to take over a data dir whose Postgres belongs to a live server', async () => {
    const owner = await startEmbeddedPostgres({ dataDir: dir, port });
    try {
      // Same process = a live node parent: a second server must not kill it.
      await expect(startEmbeddedPostgres({ dataDir: dir, port })).rejects.toThrow(/in use by another running server/);
      expect(await sql(owner.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await owner.stop();
    }
  });
});

// Run as root, Postgres runs as user postgres, who cannot enter a 0700 folder (root's home, a private
// checkout). Without root these cases cannot happen (Postgres runs as the caller), so they are root-only.
const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('embedded Postgres as root under a private (0700) folder', () => {
  let privateDir: string;
  let systemDir: string;
  let port: number;

  beforeAll(async () => {
    privateDir = await mkdtemp(path.join(os.tmpdir(), 'apm-private-'));
    await chmod(privateDir, 0o700);
    systemDir = await mkdtemp(path.join(os.tmpdir(), 'apm-system-'));
    await chmod(systemDir, 0o755);
    port = await freePort();
  });
  afterAll(async () => {
    await rm(privateDir, { recursive: true, force: true });
    await rm(systemDir, { recursive: true, force: true });
  });

  it('keeps the cluster of a private DATA_DIR in the system folder, recorded for the next start', async () => {
    const dataDir = path.join(privateDir, 'data', 'postgres');
    const messages: string[] = [];
    const first = await startEmbeddedPostgres({ dataDir, port, systemDir, onInfo: (m) => messages.push(m) });
    let clusterDir: string;
    try {
      await sql(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)');
      clusterDir = (await readFile(path.join(dataDir, 'cluster-location'), 'utf8')).trim();
      expect(clusterDir.startsWith(path.join(systemDir, 'clusters') + path.sep)).toBe(true);
      expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
      expect(statSync(clusterDir).uid).not.toBe(0);
      expect(messages).toEqual([expect.stringContaining(`cannot reach ${dataDir}`)]);
    } finally {
      await first.stop();
    }
    const second = await startEmbeddedPostgres({ dataDir, port, systemDir });
    try {
      expect(await sql(second.url, 'SELECT v FROM kept')).toEqual([{ v: 7 }]);
    } finally {
      await second.stop();
    }
  });

  it('runs binaries from a private checkout by copying them once into the system folder', async () => {
    const checkoutNative = path.join(privateDir, 'checkout', 'native');
    await mkdir(path.dirname(checkoutNative), { recursive: true });
    await cp(packagedNativeDir(), checkoutNative, { recursive: true, verbatimSymlinks: true });
    const runtime = await preparePostgresRuntime(systemDir, checkoutNative);
    expect(runtime.copied).toBe(true);
    expect(runtime.nativeDir.startsWith(systemDir + path.sep)).toBe(true);
    const again = await preparePostgresRuntime(systemDir, checkoutNative);
    expect(again.nativeDir).toBe(runtime.nativeDir);

    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'apm-open-'));
    await chmod(dataDir, 0o755);
    const cluster = {
      clusterDir: path.join(dataDir, 'cluster'),
      port,
      user: 'postgres',
      password: 'x',
      authMethod: 'trust' as const,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    };
    try {
      await initCluster(runtime, cluster);
      const running = await startCluster(runtime, cluster);
      try {
        expect(await sql(`postgres://postgres:x@127.0.0.1:${port}/postgres`, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
      } finally {
        await running.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('stops with one line naming the folder and the fix when the system folder is not root-owned', async () => {
    const foreign = await mkdtemp(path.join(os.tmpdir(), 'apm-foreign-'));
    try {
      await chmod(foreign, 0o777);
      const err = await startEmbeddedPostgres({
        dataDir: path.join(privateDir, 'other-data'),
        port,
        systemDir: foreign,
      }).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      const message = (err as Error).message;
      expect(message).toContain(foreign);
      expect(message).toMatch(/chown root: .* && chmod 755/);
      expect(message.split('\n')).toHaveLength(1);
    } finally {
      await rm(foreign, { recursive: true, force: true });
    }
  });
});
