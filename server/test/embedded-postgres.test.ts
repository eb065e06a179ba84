import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres.js';
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
