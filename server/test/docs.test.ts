// The README's commands, run as a reader would: `npm start` (the first of "the two commands"), then
// every fenced block marked `<!-- docs-test -->` (CLI, the WatchMe walk-through, import-toyci), in
// README order, then the blocks marked `<!-- docs-test: server stopped -->` (the offline backup) once
// the server is stopped. A marked command that exits non-zero fails the test with its output.
// Inside a block: `npm start` is the server this test started; `node examples/mock-services/server.mjs`
// is started in the background; `export NAME=...` sets NAME to the test's value (the API token).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './helpers/ports.js';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const ADMIN_PASSWORD = 'docs-test-admin-password';

interface Block {
  mode: 'running' | 'stopped';
  line: number;
  commands: string[];
}

/** The marked ```sh blocks: continuation lines joined, comments and blank lines dropped. */
export function markedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- docs-test(?:: (server stopped))? -->$/.exec(lines[i]!.trim());
    if (!marker) continue;
    if (lines[i + 1]?.trim() !== '```sh')
      throw new Error(`README line ${i + 1}: a docs-test marker must precede a \`\`\`sh block`);
    const commands: string[] = [];
    let pending = '';
    for (let j = i + 2; j < lines.length && lines[j]!.trim() !== '```'; j++) {
      const text = lines[j]!.replace(/\s+#\s.*$/, '').replace(/^#.*$/, '');
      if (text.trimEnd().endsWith('\\')) {
        pending += text.trimEnd().slice(0, -1) + ' ';
        continue;
      }
      const command = (pending + text).trim();
      pending = '';
      if (command) commands.push(command);
    }
    blocks.push({ mode: marker[1] ? 'stopped' : 'running', line: i + 1, commands });
  }
  return blocks;
}

function waitForOutput(child: ChildProcess, text: string, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes(text)) {
        clearInterval(timer);
        resolve();
      }
    }, 100);
    child.once('exit', (code) => {
      clearInterval(timer);
      if (!output().includes(text)) reject(new Error(`exited (${code}) before "${text}":\n${output()}`));
    });
  });
}

function spawnLogged(command: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => output, exited };
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to the process group (npm, the server, its Postgres), then wait until all of it is gone. */
async function stopGroup(proc: { child: ChildProcess; exited: Promise<void> }): Promise<void> {
  const pid = proc.child.pid!;
  if (groupAlive(pid)) process.kill(-pid, 'SIGTERM');
  await proc.exited;
  while (groupAlive(pid)) await new Promise((r) => setTimeout(r, 100));
}

describe('README commands', () => {
  const blocks = markedBlocks(README);
  let work: string;
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  let server: ReturnType<typeof spawnLogged> | undefined;
  const background: Array<ReturnType<typeof spawnLogged>> = [];

  beforeAll(async () => {
    // A reader's folder: the repository's package (for npx api-manager), bin, examples and node_modules,
    // so the files the commands write (jobs.yaml, apm-data.tgz) stay out of the checkout.
    work = await mkdtemp(path.join(os.tmpdir(), 'apm-docs-'));
    await chmod(work, 0o755); // mkdtemp's 0700 would send a root-run cluster to EMBEDDED_PG_SYSTEM_DIR
    for (const name of ['package.json', 'bin', 'examples', 'node_modules']) {
      await symlink(path.join(ROOT, name), path.join(work, name));
    }
    dataDir = path.join(work, 'data');
    const port = await freePort();
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME ?? work,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      EMBEDDED_PG_PORT: String(await freePort()),
      ADMIN_PASSWORD,
      COMMAND_JOBS_ENABLED: 'true',
      GITHUB_TOKEN: 'docs-test-github-token',
      TOYCI_WEBHOOK_SECRET: 'docs-test-webhook-secret',
      API_MANAGER_URL: `http://127.0.0.1:${port}`,
      npm_config_update_notifier: 'false',
    };
  });

  afterAll(async () => {
    for (const proc of background) await stopGroup(proc).catch(() => undefined);
    if (server) await stopGroup(server).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  });

  it('marks the CLI, WatchMe, import-toyci and backup blocks', () => {
    const all = blocks.flatMap((b) => b.commands).join('\n');
    expect(all).toContain('npx api-manager apply');
    expect(all).toContain('npx api-manager import-toyci');
    expect(all).toContain('node examples/mock-services/server.mjs');
    expect(blocks.some((b) => b.mode === 'stopped' && b.commands.some((c) => c.startsWith('tar ')))).toBe(true);
  });

  it('npm start, every marked block against it, then the offline backup', async () => {
    // (timeout below: a dozen npx calls and a chained run on a busy machine)
    expect(README).toMatch(/^npm ci && npm start /m);
    server = spawnLogged('npm', ['start'], { cwd: ROOT, env: { ...env, DATA_DIR: dataDir } });
    await waitForOutput(server.child, 'API Manager ready', server.output);

    const login = await fetch(`${env.API_MANAGER_URL}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const created = await fetch(`${env.API_MANAGER_URL}/api/v1/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: 'docs-test', scopes: ['read', 'run', 'write', 'admin'] }),
    });
    expect(created.status).toBe(201);
    const values: Record<string, string> = { API_MANAGER_TOKEN: ((await created.json()) as { token: string }).token };

    const run = (block: Block, command: string) => {
      const r = spawnSync('sh', ['-c', command], { cwd: work, env, encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) {
        throw new Error(
          `README block at line ${block.line}: \`${command}\` exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`,
        );
      }
    };

    for (const block of blocks.filter((b) => b.mode === 'running')) {
      for (const command of block.commands) {
        if (command === 'npm start') continue; // the server started above
        const exported = /^export ([A-Z_]+)=/.exec(command);
        if (exported) {
          const value = values[exported[1]!];
          if (value === undefined) throw new Error(`README line ${block.line}: no value for ${exported[1]}`);
          env[exported[1]!] = value;
          continue;
        }
        if (command.startsWith('node examples/mock-services/server.mjs')) {
          const mock = spawnLogged('sh', ['-c', command], { cwd: work, env });
          background.push(mock);
          await waitForOutput(mock.child, 'mock services on http', mock.output);
          continue;
        }
        run(block, command);
      }
    }

    await stopGroup(server);
    expect(server.child.exitCode ?? server.child.signalCode).not.toBeNull();
    for (const block of blocks.filter((b) => b.mode === 'stopped')) {
      for (const command of block.commands) run(block, command);
    }
    const listing = spawnSync('tar', ['-tzf', path.join(work, 'apm-data.tgz')], { encoding: 'utf8' });
    expect(listing.stdout).toContain('./postgres/cluster/PG_VERSION');
    expect(listing.stdout).toContain('./postgres/pg-password');
    expect(existsSync(path.join(work, 'jobs.yaml'))).toBe(true);
  }, 600_000);
});
