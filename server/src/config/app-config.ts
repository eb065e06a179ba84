import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { EnvSchema } from './env.schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Validated configuration. The only class that reads process.env (through `loadConfig`).
 * Injected everywhere else as a plain provider.
 */
export class AppConfig extends EnvSchema {}

/** Validate an env-like record; throws ConfigError naming the variable and the rule. */
export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const known = Object.keys(new EnvSchema());
  const input: Record<string, string> = {};
  for (const key of known) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const config = plainToInstance(AppConfig, input);
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => {
      const rules = Object.values(e.constraints ?? {}).join('; ');
      return `${e.property}=${JSON.stringify(env[e.property])}: ${rules}`;
    });
    throw new ConfigError(`Invalid configuration: ${lines.join(' | ')}`);
  }
  return config;
}
