import { Injectable } from '@nestjs/common';
import { EnvSchema } from './env.schema.js';

/**
 * Read access to the server's environment for `${NAME}` references in jobs.yaml (config/apply).
 * Lives in config/ because this is the only place that reads process.env. The server's own settings
 * (every variable of the env schema: APP_SECRET, DATABASE_URL, ...) cannot be referenced, so a
 * config file cannot copy them into a job's request.
 */
@Injectable()
export class Environment {
  private readonly reserved = new Set(Object.keys(new EnvSchema()));

  /** The variable's value, `undefined` when unset; throws ReservedVariableError for server settings. */
  get(name: string): string | undefined {
    if (this.reserved.has(name)) throw new ReservedVariableError(name);
    return process.env[name];
  }

  /** Variables a command job's script inherits from the server: a short allow-list, never a server setting. */
  forScripts(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of SCRIPT_ENV) {
      const v = process.env[k];
      if (v !== undefined && !this.reserved.has(k)) env[k] = v;
    }
    env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
    return env;
  }
}

const SCRIPT_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR'];

export class ReservedVariableError extends Error {
  override name = 'ReservedVariableError';
  constructor(readonly variable: string) {
    super(`${variable} is a server setting and cannot be referenced`);
  }
}
