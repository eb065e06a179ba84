import { LIMITS } from './limits.js';
import { widthError } from './json-shape.js';
import { compileSafeRegExp, safeRegExpError } from './safe-regex.js';

const check = (v: unknown, maxItems = 10) => widthError(Buffer.from(JSON.stringify(v)), maxItems);
const obj = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('widthError (JSON bytes, before parsing)', () => {
  it('names the object with too many keys by its path', () => {
    expect(check({ executor: { kind: 'http', headers: obj(LIMITS.jsonObjectKeysMax + 1) } })).toBe(
      `executor.headers has more than ${LIMITS.jsonObjectKeysMax} keys: at most ${LIMITS.jsonObjectKeysMax} per object`,
    );
    expect(check(obj(LIMITS.jsonObjectKeysMax + 1))).toMatch(/^body has more than/);
  });

  it('names the list with too many items, inside lists too', () => {
    expect(check({ params: { ids: Array.from({ length: 11 }, String) } })).toBe(
      'params.ids has more than 10 items: at most 10 per list',
    );
    expect(check({ a: [{ b: [] }, { b: Array.from({ length: 11 }, () => 1) }] })).toBe(
      'a.1.b has more than 10 items: at most 10 per list',
    );
  });

  it('accepts what is within the caps, and is not fooled by commas, braces or quotes in strings', () => {
    expect(check({ h: obj(LIMITS.jsonObjectKeysMax), l: Array.from({ length: 10 }, String) })).toBeNull();
    expect(check({ s: ',,,,,,,,,,,,,,,,,,,,{[', t: ['a\\",,,,,,,,,,,,,,,,'] })).toBeNull();
  });
});

describe('safe regular expressions (RE2)', () => {
  it('runs a backtracking pattern against a hostile value in linear time', () => {
    const re = compileSafeRegExp('^(a+)+$');
    expect(re.test('a'.repeat(100_000) + 'b')).toBe(false);
    expect(re.test('aaaa')).toBe(true);
  });

  it('refuses what RE2 cannot run, saying why', () => {
    expect(safeRegExpError('(a)\\1')).toMatch(/escape/);
    expect(safeRegExpError('(?<=a)b')).toBeTruthy();
    expect(safeRegExpError('^\\d{2}-\\d{2}$')).toBeNull();
  });
});
