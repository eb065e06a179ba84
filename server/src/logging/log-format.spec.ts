import type { LoggerService } from '@nestjs/common';
import { localUrl, quietStartUp, resolveLogFormat } from './log-format.js';

describe('log format', () => {
  it.each([
    ['auto', true, 'pretty'],
    ['auto', false, 'json'],
    ['auto', undefined, 'json'],
    ['json', true, 'json'],
    ['pretty', false, 'pretty'],
  ] as const)('LOG_FORMAT=%s with a TTY=%s writes %s', (setting, tty, expected) => {
    expect(resolveLogFormat(setting, tty)).toBe(expected);
  });

  it("moves Nest's route map and module wiring to debug, keeps everything else", () => {
    const seen: Array<[string, unknown]> = [];
    const inner: LoggerService = {
      log: (m: unknown) => seen.push(['log', m]),
      debug: (m: unknown) => seen.push(['debug', m]),
      warn: (m: unknown) => seen.push(['warn', m]),
      error: (m: unknown) => seen.push(['error', m]),
    };
    const logger = quietStartUp(inner);
    logger.log('Mapped {/api/jobs, GET} route', 'RouterExplorer');
    logger.log('JobsController {/api/jobs}:', 'RoutesResolver');
    logger.log('AuthModule dependencies initialized', 'InstanceLoader');
    logger.log('API Manager ready', 'Bootstrap');
    logger.warn('FIRST START', 'FirstStartService');
    expect(seen).toEqual([
      ['debug', 'Mapped {/api/jobs, GET} route'],
      ['debug', 'JobsController {/api/jobs}:'],
      ['debug', 'AuthModule dependencies initialized'],
      ['log', 'API Manager ready'],
      ['warn', 'FIRST START'],
    ]);
  });

  it('names the address a person opens', () => {
    const base = { HOST: '0.0.0.0', PORT: 3000, ADMIN_BASE_HREF: '/', PUBLIC_URL: undefined };
    expect(localUrl(base)).toBe('http://localhost:3000/');
    expect(localUrl({ ...base, HOST: '127.0.0.1', ADMIN_BASE_HREF: '/manager/' })).toBe(
      'http://127.0.0.1:3000/manager/',
    );
    expect(localUrl({ ...base, HOST: '::1' })).toBe('http://[::1]:3000/');
    expect(localUrl({ ...base, PUBLIC_URL: 'https://apm.example.org/' })).toBe('https://apm.example.org/');
  });
});
