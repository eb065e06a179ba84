import { readFileSync } from 'node:fs';
import { EnvSchema } from './env.schema.js';
import { ConfigError, loadConfig } from './app-config.js';

describe('loadConfig', () => {
  it('applies defaults when nothing is set', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(3000);
    expect(c.DATA_DIR).toBe('./data');
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.DEFAULT_TIMEZONE).toBe('UTC');
    expect(c.WORKERS_ENABLED).toBe(true);
  });

  it('converts numbers and booleans from strings', () => {
    const c = loadConfig({ PORT: '8080', WORKERS_ENABLED: 'false', DEFAULT_TIMEZONE: 'Asia/Tokyo' });
    expect(c.PORT).toBe(8080);
    expect(c.WORKERS_ENABLED).toBe(false);
    expect(c.DEFAULT_TIMEZONE).toBe('Asia/Tokyo');
  });

  it.each([
    ['PORT', 'abc', /PORT="abc".*PORT must not be greater than 65535|PORT="abc".*integer/],
    ['PORT', '70000', /PORT="70000".*not be greater than 65535/],
    ['DEFAULT_TIMEZONE', 'Mars/Olympus', /DEFAULT_TIMEZONE="Mars\/Olympus".*IANA time zone/],
    ['LOG_FORMAT', 'xml', /LOG_FORMAT="xml".*one of the following values: auto, json, pretty/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL="mysql:\/\/x".*postgres:\/\//],
    ['APP_SECRET', 'short', /APP_SECRET="short".*at least 32 characters/],
  ])('rejects %s=%s naming the variable and the rule', (name, value, pattern) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(pattern);
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ SOMETHING_ELSE: 'x' })).not.toThrow();
  });

  it('documents every variable in ops/env/.env.example', () => {
    const example = readFileSync(new URL('../../../ops/env/.env.example', import.meta.url), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    for (const key of Object.keys(new EnvSchema())) expect(documented).toContain(key);
  });
});
