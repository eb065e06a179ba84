// What a person sees when starting the server: a short human screen in pretty mode, JSON for
// machines, and a second start on a live DATA_DIR that says one line (no stack).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './helpers/ports.js';

const MAIN = new URL('../../dist/server/src/main.js', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Started {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function until(what: string, check: () => boolean, proc: Started): Promise<void> {
  let gone = false;
  void proc.exited.then(() => (gone = true));
  while (!check()) {
    if (gone) throw new Error(`server exited before ${what}:\n${proc.stdout()}\n${proc.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stop(proc: Started): Promise<void> {
  if (proc.child.exitCode !== null) return;
  proc.child.kill('SIGTERM');
  await proc.exited;
}

describe('start-up output', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let port: number;

  beforeAll(async () => {
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build:server first`);
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'apm-start-'));
    await chmod(dataDir, 0o755); // mkdtemp's 0700 would send a root-run cluster to EMBEDDED_PG_SYSTEM_DIR
    port = await freePort();
    env = { DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', EMBEDDED_PG_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('LOG_FORMAT=pretty: a short human screen, the password and the URL standing out, no route map', async () => {
    const server = start({ ...env, LOG_FORMAT: 'pretty' });
    try {
      await until('ready', () => server.stdout().includes('API Manager ready'), server);
      const lines = server.stdout().trimEnd().split('\n');
      expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
      expect(server.stdout()).not.toContain('Mapped {');
      expect(server.stdout()).not.toContain('dependencies initialized');
      expect(lines.length).toBeLessThan(20);
      expect(server.stdout()).toMatch(
        /={20,}\n FIRST START: created user "admin" with the generated password:\n {5}\S+\n/,
      );
      expect(server.stdout()).toContain(`Sign in at http://127.0.0.1:${port}/login`);
      expect(lines[lines.length - 1]).toMatch(
        new RegExp(`INFO: \\[Bootstrap\\] API Manager ready: open http://127\\.0\\.0\\.1:${port}/ `),
      );
    } finally {
      await stop(server);
    }
  });

  it('not a terminal: JSON lines (route map only at debug); a second start on the live DATA_DIR says one line', async () => {
    const server = start(env);
    try {
      await until('ready', () => server.stdout().includes('API Manager ready'), server);
      const lines = server.stdout().trimEnd().split('\n');
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect(lines.some((l) => (JSON.parse(l) as { context?: string }).context === 'RouterExplorer')).toBe(false);

      const second = start({ ...env, PORT: String(await freePort()) });
      const code = await second.exited;
      expect(code).toBe(1);
      const errLines = second.stderr().trimEnd().split('\n');
      expect(errLines).toHaveLength(1);
      expect(errLines[0]).toMatch(
        /^The data directory .* is in use by another running server \(pid \d+\); stop it or use another DATA_DIR$/,
      );
      expect(server.child.exitCode).toBeNull();
    } finally {
      await stop(server);
    }
  });
});
