#!/usr/bin/env node
// `npm run test:deploy`: the deployment files (ops/nginx, docker-compose.yml, ops/systemd) checked with
// the real tools. Says in one line which tools are missing and the apt packages that bring them.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const PATH_DIRS = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);

function found(tool, extra = []) {
  return [...PATH_DIRS, ...extra].some((dir) => {
    try {
      accessSync(path.join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// nginx.test.ts runs Debian's /usr/sbin/nginx; the others come from PATH.
const tools = [
  { tool: 'nginx', apt: 'nginx-light', ok: found('nginx', ['/usr/sbin']) },
  { tool: 'docker-compose', apt: 'docker-compose', ok: found('docker-compose') },
  { tool: 'systemd-analyze', apt: 'systemd', ok: found('systemd-analyze') },
];
const missing = tools.filter((t) => !t.ok);
if (missing.length) {
  console.error(
    `test:deploy needs ${missing.map((t) => t.tool).join(', ')}: apt-get install -y ${missing.map((t) => t.apt).join(' ')}`,
  );
  process.exit(1);
}

// nginx.test.ts serves the built admin and runs the built server's code paths: build what is missing.
if (
  !existsSync(path.join(root, 'dist/admin/browser/index.html')) ||
  !existsSync(path.join(root, 'dist/server/src/main.js'))
) {
  const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) process.exit(b.status ?? 1);
}

const jest = path.join(root, 'node_modules/jest/bin/jest.js');
const r = spawnSync(process.execPath, [jest, '--config', 'jest.deploy.config.js', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --experimental-vm-modules`.trim() },
});
process.exit(r.status ?? 1);
