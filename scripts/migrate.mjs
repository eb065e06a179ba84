#!/usr/bin/env node
// npm run migration:run | migration:revert | migration:show | migration:generate -- <Name>
// Uses the built server (npm run build:server) and the same DataSource options as the app.
// DATABASE_URL, or the embedded Postgres in DATA_DIR (started for the command, then stopped).
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const build = spawnSync('npm', ['run', '--silent', 'build:server'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const { loadConfig } = await import(path.join(root, 'dist/server/src/config/app-config.js'));
const { prepareDatabaseUrl } = await import(path.join(root, 'dist/server/src/database/cli.js'));
const [command, name] = process.argv.slice(2);
const config = loadConfig();
const { url, embedded } = await prepareDatabaseUrl(config);
const { DataSource } = await import('typeorm');
const { dataSourceOptions } = await import(path.join(root, 'dist/server/src/database/data-source-options.js'));
const ds = new DataSource(dataSourceOptions(url, 2));
try {
  await ds.initialize();
  if (command === 'run') {
    const { runMigrations } = await import(path.join(root, 'dist/server/src/database/migrate.js'));
    const applied = await runMigrations(url);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Nothing to apply');
  } else if (command === 'revert') {
    await ds.undoLastMigration({ transaction: 'each' });
    console.log('Reverted the last migration');
  } else if (command === 'show') {
    const executed = new Set((await ds.query('SELECT name FROM migrations')).map((r) => r.name));
    for (const m of ds.migrations) console.log(`${executed.has(m.name) ? '[X]' : '[ ]'} ${m.name}`);
  } else if (command === 'generate') {
    if (!name) throw new Error('usage: npm run migration:generate -- <Name>');
    const sql = await ds.driver.createSchemaBuilder().log();
    if (!sql.upQueries.length) console.log('The entities match the schema: nothing to generate');
    for (const q of sql.upQueries) console.log(q.query + ';');
    console.log(
      `\n-- Put these statements in server/src/database/migrations/<timestamp>-${name}.ts (read them first).`,
    );
  } else {
    throw new Error('usage: migrate.mjs run|revert|show|generate <Name>');
  }
} finally {
  if (ds.isInitialized) await ds.destroy();
  await embedded?.stop();
}
