// One Postgres for the whole run: DATABASE_URL's server when set, otherwise an embedded one in a
// temp dir. Plain JS because Jest loads global setup outside its transform and module mapping; the
// launcher (server/src/database/postgres-process.ts, node builtins only) is compiled here with swc
// so the suite runs Postgres exactly as the server does (as user postgres when root, with the
// binaries copied out of a private checkout). The migrated template database is made by the first
// test file that needs it (helpers/database.ts).
import { transformFile } from '@swc/core';
import { mkdir, mkdtemp, chmod, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** postgres-process.ts as an ES module inside the repo (so its imports resolve from here). */
async function loadLauncher() {
  const source = path.join(root, 'server/src/database/postgres-process.ts');
  const { code } = await transformFile(source, {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  });
  const dir = path.join(root, 'node_modules/.cache/api-manager');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `postgres-process-${process.pid}.mjs`);
  await writeFile(file, code);
  try {
    return await import(file);
  } finally {
    await rm(file, { force: true });
  }
}

export default async function globalSetup() {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const launcher = await loadLauncher();
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'apm-test-pg-'));
    await chmod(dataDir, 0o755);
    const port = Number(process.env.TEST_PG_PORT ?? 54339);
    // Root in a private checkout: the binaries are copied to a root-owned folder in the temp dir.
    const runtime = await launcher.preparePostgresRuntime(path.join(os.tmpdir(), 'api-manager-embedded-postgres'));
    const cluster = {
      clusterDir: path.join(dataDir, 'cluster'),
      port,
      user: 'postgres',
      password: 'test',
      authMethod: 'trust',
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off'],
    };
    await launcher.initCluster(runtime, cluster);
    const running = await launcher.startCluster(runtime, cluster);
    globalThis.__APM_EMBEDDED__ = {
      async stop() {
        await running.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
    process.once('exit', () => running.process.kill('SIGINT'));
    serverUrl = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  }
  process.env.APM_TEST_SERVER_URL = serverUrl;
  process.env.APM_TEST_TEMPLATE = `apm_tpl_${process.pid}`;
}
