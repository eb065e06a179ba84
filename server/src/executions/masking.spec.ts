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

describe('Masker: an echoed secret in any encoding', () => {
  const secret = 'p4ss/"word"+x y';
  const m = new Masker([secret]);

  it.each([
    ['encodeURIComponent', encodeURIComponent(secret)],
    ['form encoding', new URLSearchParams({ x: secret }).toString().slice(2)],
    ['JSON-escaped', JSON.stringify(secret).slice(1, -1)],
    ['base64', Buffer.from(secret).toString('base64')],
    ['base64url', Buffer.from(secret).toString('base64url')],
    ['hex', Buffer.from(secret).toString('hex')],
  ])('masks the %s form', (_name, form) => {
    expect(form).not.toBe(secret);
    const masked = m.text(`before ${form} after`);
    expect(masked).not.toContain(form);
    expect(masked).toContain('***');
  });

  it('masks base64 of a longer text holding the secret, wherever it sits', () => {
    for (const prefix of ['', 'u:', 'us:', 'user:']) {
      const b64 = Buffer.from(`${prefix}${secret}`).toString('base64');
      const masked = m.text(b64);
      // What is left cannot be decoded back to the secret.
      expect(Buffer.from(masked.replace(/\*\*\*/g, ''), 'base64').toString('utf8')).not.toContain(secret.slice(2, -2));
      expect(masked).toContain('***');
    }
  });

  it('masks inside JSON values (body and headers)', () => {
    const echoed = { h: { 'x-echo': Buffer.from(secret).toString('base64') }, body: { q: encodeURIComponent(secret) } };
    expect(JSON.stringify(m.value(echoed))).not.toMatch(/cDRzcy|p4ss/);
  });
});
