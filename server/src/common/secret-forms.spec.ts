import { describe, expect, it } from '@jest/globals';
import { maskText, secretForms, secretPatterns } from './secret-forms.js';

describe('secretForms', () => {
  it('lists the value and its encoded forms, and nothing for values too short to mask', () => {
    const forms = secretForms('a b/"c"');
    expect(forms).toEqual(
      expect.arrayContaining([
        'a b/"c"',
        'a%20b%2F%22c%22',
        'a+b%2F%22c%22',
        'a b/\\"c\\"',
        Buffer.from('a b/"c"').toString('base64'),
        Buffer.from('a b/"c"').toString('hex'),
      ]),
    );
    expect(secretForms('ab')).toEqual([]);
  });

  it('masks a longer form before a shorter one it contains', () => {
    const patterns = secretPatterns(['secret-1', 'secret-1-longer']);
    expect(maskText('x secret-1-longer y secret-1', patterns)).toBe('x *** y ***');
  });
});
