import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { pino } from 'pino';
import { createApp } from './app.js';
import { prepareDatabase } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/app-config.js';

/** A second signal this soon after the first is the same Ctrl-C (see the shutdown below). */
const SAME_SIGNAL_MS = 1000;

async function main(): Promise<void> {
  const config = loadConfig();
  const started = Date.now();
  const early = pino({
    level: config.LOG_LEVEL,
    transport: config.LOG_FORMAT === 'pretty' ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  }).child({ context: 'Bootstrap' });
  const db = await prepareDatabase(config, (msg) => early.info(msg));
  const logger = new Logger('Bootstrap');
  const { app } = await createApp(config, db.url).catch(async (err: unknown) => {
    await db.embedded?.stop();
    throw err;
  });

  // Shutdown order: stop taking work and HTTP (Nest hooks drain workers, close the pool),
  // then the embedded Postgres, then exit. A second signal forces the exit — but not one within
  // SAME_SIGNAL_MS of the first: one Ctrl-C on `npm start` arrives twice (from the terminal to the
  // whole process group, and forwarded by scripts/start.mjs), and must stay one graceful shutdown.
  let closing = false;
  let firstAt = 0;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) {
      if (Date.now() - firstAt < SAME_SIGNAL_MS) {
        logger.log(`${signal} again within ${SAME_SIGNAL_MS} ms: the same request, still shutting down gracefully`);
        return;
      }
      logger.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    closing = true;
    firstAt = Date.now();
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
  logger.log(`API Manager listening on http://${config.HOST}:${config.PORT} (ready in ${Date.now() - started} ms)`);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  // Config errors are one clear line; anything else gets its stack for the operator.
  process.stderr.write(
    err instanceof ConfigError ? `${message}\n` : `Fatal: ${err instanceof Error ? err.stack : message}\n`,
  );
  process.exit(1);
});
