import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS } from './redact.js';

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
