import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { createApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { EmbeddedPostgresError } from './database/postgres-process.js';
import { localUrl, nestLoggerOn, prettyTransport, resolveLogFormat } from './logging/log-format.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const pretty = resolveLogFormat(config.LOG_FORMAT, process.stdout.isTTY) === 'pretty';
  const base = pino({
    level: config.LOG_LEVEL,
    transport: pretty ? prettyTransport(Boolean(process.stdout.isTTY)) : undefined,
  });
  // Nest's static Logger (migrations at boot, before the application's logger exists) in the same format.
  Logger.overrideLogger(nestLoggerOn(base));
  const early = base.child({ context: 'Bootstrap' });
  const db = await prepareDatabase(config, (msg) => early.info(msg));
  const logger = new Logger('Bootstrap');
  const { app } = await createApp(config, db.url).catch(async (err: unknown) => {
    await db.embedded?.stop();
    throw err;
  });

  // Shutdown order: stop taking work and HTTP (Nest hooks drain workers, close the pool),
  // then the embedded Postgres, then exit. A second signal forces the exit.
  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.log(`${signal} received: shutting down`);
    try {
      await app.close();
    } catch (err) {
      logger.error(`Error while closing: ${(err as Error).message}`);
    }
    await db.embedded?.stop().catch((err: Error) => logger.error(`Stopping Postgres: ${err.message}`));
    process.exit(0);
  };
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));

  await app.listen(config.PORT, config.HOST);
  logger.log(
    `API Manager ready: open ${localUrl(config)} (listening on ${config.HOST}:${config.PORT}, ready in ${Date.now() - started} ms)`,
  );
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  // Config and start-up errors the operator fixes are one clear line; anything else gets its stack.
  const oneLine = err instanceof ConfigError || err instanceof EmbeddedPostgresError;
  process.stderr.write(oneLine ? `${message}\n` : `Fatal: ${err instanceof Error ? err.stack : message}\n`);
  process.exit(1);
});
