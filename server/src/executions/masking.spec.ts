import { describe, expect, it } from '@jest/globals';
import { Masker } from './masking.js';

describe('Masker', () => {
  it('replaces secrets in text and deep inside JSON values, longest first', () => {
    const m = new Masker(['token-abc', 'token-abc-longer', 'x']);
    expect(m.text('a token-abc-longer b token-abc')).toBe('a *** b ***');
    expect(m.value({ h: { auth: 'Bearer token-abc' }, list: ['token-abc', 1, null], n: 2 })).toEqual({
      h: { auth: 'Bearer ***' },
      list: ['***', 1, null],
      n: 2,
    });
    // too-short values are not treated as secrets (they would mask noise)
    expect(m.text('xyz')).toBe('xyz');
    expect(new Masker().text(null)).toBeNull();
  });
});
