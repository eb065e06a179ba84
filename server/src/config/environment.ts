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
}

export class ReservedVariableError extends Error {
  override name = 'ReservedVariableError';
  constructor(readonly variable: string) {
    super(`${variable} is a server setting and cannot be referenced`);
  }
}
