import { describe, expect, it } from '@jest/globals';
import { cutLine, MAX_LINE_CHARS } from './executors/command-process.js';
import { lineMasker } from './executors/command-log.js';
import { parseEventId } from './sse-client.js';

describe('lineMasker (output arrives line by line)', () => {
  it('masks every line of a multi-line secret, and single-line secrets as before', () => {
    const pem = '-----BEGIN KEY-----\nAAAAbbbbCCCCdddd\nEEEEffffGGGGhhhh\n-----END KEY-----';
    const m = lineMasker([pem, 'plain-token-42']);
    expect(m.text('AAAAbbbbCCCCdddd')).toBe('***');
    expect(m.text('x EEEEffffGGGGhhhh y')).toBe('x *** y');
    expect(m.text('token=plain-token-42')).toBe('token=***');
    expect(m.text('nothing secret here')).toBe('nothing secret here');
  });

  it('masks a secret that straddles the cut of a long line (mask first, then cut)', () => {
    const secret = 'straddling-secret-value';
    const line = 'x'.repeat(MAX_LINE_CHARS - 5) + secret + 'y'.repeat(100);
    const shown = cutLine(lineMasker([secret]).text(line));
    expect(shown).not.toContain(secret.slice(0, 5));
    expect(shown.endsWith(' … (line cut)')).toBe(true);
    expect(shown).toContain('x***y');
  });
});

describe('parseEventId', () => {
  it('reads <cursor>.<n> and refuses anything else', () => {
    expect(parseEventId('1234.7')).toEqual({ cursor: 1234n, seq: 7 });
    expect(parseEventId('0.0')).toEqual({ cursor: 0n, seq: 0 });
    for (const bad of ['', 'x1', '12', '1.2.3', '-1.2', '1.', `${'9'.repeat(30)}.1`])
      expect(parseEventId(bad)).toBeNull();
  });
});
