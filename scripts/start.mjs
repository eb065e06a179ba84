#!/usr/bin/env node
// `npm start`: build what is missing or stale (server, admin), then run the server in this process
// group so Ctrl-C / SIGTERM reach it (it stops its embedded Postgres before exiting).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function newest(dir) {
  let t = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    t = Math.max(t, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

function stale(output, ...sources) {
  if (!existsSync(output)) return true;
  const built = statSync(output).mtimeMs;
  return sources.some((s) => existsSync(s) && newest(s) > built);
}

function run(script) {
  const r = spawnSync(npm, ['run', '--silent', script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const lib = path.join(root, 'libs/contracts/src');
if (stale(path.join(root, 'dist/server/src/main.js'), path.join(root, 'server/src'), lib)) run('build:server');
if (stale(path.join(root, 'dist/admin/browser/index.html'), path.join(root, 'admin/src'), lib)) run('build:admin');

const child = spawn(process.execPath, [path.join(root, 'dist/server/src/main.js')], { cwd: root, stdio: 'inherit' });
// Forwarded so a signal sent to this process alone reaches the server. A Ctrl-C in the terminal
// reaches both (same process group): the server takes a repeat within 1 s as the same request, so one
// Ctrl-C is one graceful shutdown (exit 0 after draining) and a second, later one forces the exit.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
