import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestApp, type TestApp } from './helpers/app.js';
import { waitFor } from './helpers/http-target.js';
import { runHelpers } from './helpers/runs.js';

// Command jobs: the whole run (checkout included) keeps to timeoutMs and leaves no process behind; scripts
// run as an unprivileged user that cannot read DATA_DIR nor the server's environment (we test as root).

const isRoot = process.getuid?.() === 0;

/** Processes whose command line mentions `needle` (git, git-remote-http, ...), zombies excluded. */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (cmd.includes(needle) && !/\) Z /.test(stat)) pids.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return pids;
}

let app: TestApp;
let dir: string;
let dataDir: string;
let stalled: Server;
let stalledUrl: string;
const sockets = new Set<Socket>();

const { createJob, runId, finished } = runHelpers(() => app, 30_000);

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apm-cmd-limits-'));
  dataDir = path.join(dir, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  // the temp folder itself is traversable, like /var/lib; DATA_DIR is the server's own (0700)
  chmodSync(dir, 0o755);
  // A "git remote" that accepts connections and never answers.
  stalled = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', () => r()));
  stalledUrl = `http://127.0.0.1:${(stalled.address() as { port: number }).port}/stalled/repo.git`;
  app = await startTestApp({
    COMMAND_JOBS_ENABLED: 'true',
    COMMAND_JOBS_USER: '', // unset: as root, scripts run as nobody
    DATA_DIR: dataDir,
    COMMAND_KILL_GRACE_MS: '300',
    WORKER_POLL_MS: '100',
    SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: 'error',
  });
});

afterAll(async () => {
  await app?.close();
  for (const s of sockets) s.destroy();
  await new Promise((r) => stalled.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe('command jobs: deadline and process group cover the checkout', () => {
  it('a checkout from a remote that never answers times out at timeoutMs and leaves no git process', async () => {
    await createJob({
      name: 'stalled-checkout',
      executor: { kind: 'command', script: 'echo never', timeoutMs: 1500, checkout: { url: stalledUrl } },
    });
    const id = await runId('stalled-checkout');
    // git and its remote helper are connected to the stalled remote
    await waitFor(async () => processesWith(stalledUrl).length > 0 || null, 20_000, 'git to reach the remote');
    const d = await finished(id);
    expect(d.status).toBe('timed_out');
    expect(d.error).toMatch(/Timed out after 1500 ms \(during checkout\)/);
    await waitFor(async () => processesWith(stalledUrl).length === 0 || null, 10_000, 'no git process left');
  });

  it('cancelling during the checkout kills the whole group (git remote-http included)', async () => {
    await createJob({
      name: 'stalled-cancel',
      executor: { kind: 'command', script: 'echo never', timeoutMs: 600_000, checkout: { url: stalledUrl } },
    });
    const id = await runId('stalled-cancel');
    await waitFor(
      async () =>
        processesWith(stalledUrl).some((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('remote-http'))
          ? true
          : null,
      20_000,
      'git remote-http to run',
    );
    const helpers = processesWith(stalledUrl);
    expect((await app.api('POST', `/api/v1/executions/${id}/cancel`)).status).toBeLessThan(300);
    const d = await finished(id);
    expect(d.status).toBe('cancelled');
    await waitFor(
      async () => (helpers.every((p) => !processesWith(stalledUrl).includes(p)) ? true : null),
      10_000,
      `git processes ${helpers.join(', ')} to be gone`,
    );
    expect(processesWith(stalledUrl)).toEqual([]);
  });
});

(isRoot ? describe : describe.skip)('command jobs: isolation from the server (run as root)', () => {
  it('the script runs as nobody and cannot read DATA_DIR nor /proc/<server pid>/environ', async () => {
    const secretFile = path.join(dataDir, 'secret.txt');
    writeFileSync(secretFile, 'top-secret-data\n');
    chmodSync(secretFile, 0o644);
    await createJob({
      name: 'peek',
      executor: {
        kind: 'command',
        timeoutMs: 20_000,
        env: { F: secretFile, P: String(process.pid) },
        script: [
          'echo "user=$(id -un)"',
          'if cat "$F" >/dev/null 2>&1; then echo DATA=read; else echo DATA=denied; fi',
          'if cat /proc/$P/environ >/dev/null 2>&1; then echo ENV=read; else echo ENV=denied; fi',
          'touch ./written && echo WS=writable',
        ].join('\n'),
      },
    });
    const d = await finished(await runId('peek'));
    const text = d.logs.map((l: { message: string }) => l.message).join('\n');
    expect(d.status).toBe('succeeded');
    expect(text).toContain('user=nobody');
    expect(text).toContain('DATA=denied');
    expect(text).toContain('ENV=denied');
    expect(text).toContain('WS=writable');
    expect(text).not.toContain('top-secret-data');
  });

  it('refuses an absolute or escaping workingDirectory with 400', async () => {
    for (const workingDirectory of ['/etc', '../x', 'a/../../b', 'a/..']) {
      const res = await app.api('POST', '/api/v1/jobs', {
        name: 'wd',
        executor: { kind: 'command', script: 'pwd', workingDirectory },
      });
      expect({ workingDirectory, status: res.status }).toEqual({ workingDirectory, status: 400 });
      expect(JSON.stringify(res.body.message)).toContain('executor.workingDirectory must be a relative path');
    }
  });
});
