import type { LoggerService } from '@nestjs/common';
import type { Logger as Pino, TransportSingleOptions } from 'pino';
import type { AppConfig } from '../config/app-config.js';

/** LOG_FORMAT values: `auto` = pretty in a terminal (stdout is a TTY), JSON otherwise. */
export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;
export type LogFormatSetting = (typeof LOG_FORMATS)[number];

/** The format actually written: JSON for machines (not a TTY, or asked for), pretty for a person. */
export function resolveLogFormat(setting: string, stdoutIsTty: boolean | undefined): 'json' | 'pretty' {
  if (setting === 'json' || setting === 'pretty') return setting;
  return stdoutIsTty ? 'pretty' : 'json';
}

/** pino-pretty as a transport: one line per entry, local wall-clock time, no pid/hostname noise. */
export function prettyTransport(colorize: boolean): TransportSingleOptions {
  return {
    target: 'pino-pretty',
    options: {
      colorize,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,context',
      messageFormat: '{if context}[{context}] {end}{msg}',
    },
  };
}

/** Nest's start-up chatter (the route map, module wiring): debug lines, not the first screenful. */
const START_UP_CONTEXTS = new Set(['RouterExplorer', 'RoutesResolver', 'InstanceLoader']);

function contextOf(params: unknown[]): unknown {
  return params[params.length - 1];
}

/** The application's logger with Nest's start-up chatter moved to debug. */
export function quietStartUp(inner: LoggerService): LoggerService {
  return {
    log: (message: unknown, ...params: unknown[]) =>
      START_UP_CONTEXTS.has(contextOf(params) as string)
        ? inner.debug?.(message, ...params)
        : inner.log(message, ...params),
    error: (message: unknown, ...params: unknown[]) => inner.error(message, ...params),
    warn: (message: unknown, ...params: unknown[]) => inner.warn(message, ...params),
    debug: (message: unknown, ...params: unknown[]) => inner.debug?.(message, ...params),
    verbose: (message: unknown, ...params: unknown[]) => inner.verbose?.(message, ...params),
    fatal: (message: unknown, ...params: unknown[]) => inner.fatal?.(message, ...params),
  };
}

/** Nest's static Logger before the application exists (migrations at boot) onto a pino logger. */
export function nestLoggerOn(pino: Pino): LoggerService {
  const write =
    (level: 'info' | 'warn' | 'error' | 'debug' | 'trace') =>
    (message: unknown, ...params: unknown[]) => {
      const context = contextOf(params);
      const target = typeof context === 'string' ? pino.child({ context }) : pino;
      target[level](typeof message === 'string' ? message : JSON.stringify(message));
    };
  return {
    log: write('info'),
    warn: write('warn'),
    error: write('error'),
    debug: write('debug'),
    verbose: write('trace'),
    fatal: write('error'),
  };
}

/** The address a person on this machine opens: PUBLIC_URL, else localhost for a wildcard HOST. */
export function localUrl(config: Pick<AppConfig, 'HOST' | 'PORT' | 'ADMIN_BASE_HREF' | 'PUBLIC_URL'>): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL;
  const host = ['0.0.0.0', '::', ''].includes(config.HOST) ? 'localhost' : config.HOST;
  const shown = host.includes(':') ? `[${host}]` : host;
  return `http://${shown}:${config.PORT}${config.ADMIN_BASE_HREF || '/'}`;
}
