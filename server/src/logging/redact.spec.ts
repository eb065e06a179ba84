import { Writable } from 'node:stream';
import { pino } from 'pino';
import { HTTP_LOG_SERIALIZERS, REDACT_PATHS, redactUrl } from './redact.js';

describe('log redaction', () => {
  it('hides authorization, cookies and secret-named fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const log = pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, sink);
    log.info({
      req: { headers: { authorization: 'Bearer amk_topsecret', cookie: 'sid=abc' } },
      password: 'hunter2hunter2',
      job: { headers: { token: 'tok-123' }, secret: 's3cr3t' },
    });
    const out = lines.join('');
    for (const leaked of ['amk_topsecret', 'sid=abc', 'hunter2hunter2', 'tok-123', 's3cr3t']) {
      expect(out).not.toContain(leaked);
    }
    expect(out).toContain('[REDACTED]');
  });
});

describe('redactUrl (request log lines)', () => {
  it('hides the values of credential-looking query parameters, keeps the rest', () => {
    expect(
      redactUrl('/api/v1/jobs?access_token=amk_1&limit=5&api_key=k&X-Api-Key=k2&client_secret=c&sig=s&q=token'),
    ).toBe(
      '/api/v1/jobs?access_token=[REDACTED]&limit=5&api_key=[REDACTED]&X-Api-Key=[REDACTED]&client_secret=[REDACTED]&sig=[REDACTED]&q=token',
    );
    expect(redactUrl('/webhook?password=p&Token=t&signature=x&auth=a&key=k&monkey=banana')).toBe(
      '/webhook?password=[REDACTED]&Token=[REDACTED]&signature=[REDACTED]&auth=[REDACTED]&key=[REDACTED]&monkey=banana',
    );
    expect(redactUrl('/x?access%5Ftoken=t')).toBe('/x?access%5Ftoken=[REDACTED]');
    expect(redactUrl('/plain/path')).toBe('/plain/path');
    expect(redactUrl(undefined)).toBeUndefined();
  });
});

describe('HTTP log serializers', () => {
  it('write the request URL redacted and only the status of the response', () => {
    expect(HTTP_LOG_SERIALIZERS.req({ id: 'r1', method: 'GET', url: '/api/v1/jobs?access_token=amk_x' })).toEqual({
      id: 'r1',
      method: 'GET',
      url: '/api/v1/jobs?access_token=[REDACTED]',
    });
    const res = { statusCode: 401, headers: { 'set-cookie': 'sid=abc', 'www-authenticate': 'Bearer' } };
    expect(HTTP_LOG_SERIALIZERS.res(res)).toEqual({ statusCode: 401 });
  });
});
