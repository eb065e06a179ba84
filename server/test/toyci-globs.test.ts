import { describe, expect, it } from '@jest/globals';
import { fnmatchToGlobs as cliGlobs } from '../../bin/toyci-globs.js';
import { fnmatchToGlobs as serverGlobs } from '../src/webhooks/repo-config/fnmatch-globs.js';
import { fnmatchcase } from './helpers/fnmatch.js';
import { githubFilterMatch } from './helpers/github-filter.js';

/** Deterministic PRNG (mulberry32), so a failure names a seed that reproduces it. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PATH_CHARS = 'ab/.-_+!?()[]{}\\|@x1';
const LITERALS = 'ab./-_+!()[]{}\\|@';
const CLASSES = ['[ab]', '[!a]', '[]a]', '[a-c]', '[/]', '[!/]', '[!]]', '[.x]', '[\\]', '[b-a]'];

interface Gen {
  pattern: string;
  /** A path built to match the pattern (checked against fnmatch, not assumed). */
  sample: () => string;
}

function generate(r: () => number): Gen {
  const pick = <T>(xs: readonly T[] | string): T => xs[Math.floor(r() * xs.length)] as T;
  const word = (max: number) =>
    Array.from({ length: Math.floor(r() * (max + 1)) }, () => pick<string>(PATH_CHARS)).join('');
  const parts: { text: string; sample: () => string }[] = [];
  const n = 1 + Math.floor(r() * 7);
  for (let k = 0; k < n; k++) {
    const x = r();
    if (x < 0.25) parts.push({ text: '*', sample: () => word(5) });
    else if (x < 0.35) parts.push({ text: '?', sample: () => pick<string>(PATH_CHARS) });
    else if (x < 0.45) {
      const c = pick(CLASSES);
      parts.push({ text: c, sample: () => pick<string>(PATH_CHARS) });
    } else if (x < 0.6) parts.push({ text: '/', sample: () => '/' });
    else {
      const ch = pick<string>(LITERALS);
      parts.push({ text: ch, sample: () => ch });
    }
  }
  return { pattern: parts.map((p) => p.text).join(''), sample: () => parts.map((p) => p.sample()).join('') };
}

/** The CLI (import-toyci) and the server (.toyci.yaml of a pushed commit) convert the same way. */
describe.each([
  ['import-toyci', cliGlobs],
  ['server', serverGlobs],
])('ToyCI watch_files → watchFiles (never fewer files): %s', (_name, fnmatchToGlobs) => {
  it('widens fnmatch patterns so that every path fnmatch matches still matches (property, seeded)', () => {
    let checked = 0;
    let wider = 0;
    for (let seed = 1; seed <= 3000; seed++) {
      const r = rng(seed);
      const g = generate(r);
      const { globs, exact } = fnmatchToGlobs(g.pattern);
      for (const glob of globs) expect(glob).not.toMatch(/[?+{}()!\\|]/);
      const paths = [...Array.from({ length: 12 }, g.sample), ...Array.from({ length: 4 }, () => g.sample() + 'a')];
      for (const path of paths) {
        // Changed files are repository-relative: never empty, never `./x` (the import drops a leading `./`).
        if (path === '' || path.startsWith('./') || !fnmatchcase(path, g.pattern)) continue;
        checked++;
        const ok = githubFilterMatch(globs, path);
        if (!ok)
          throw new Error(
            `seed ${seed}: fnmatch ${JSON.stringify(g.pattern)} matches ${JSON.stringify(path)} but ${JSON.stringify(globs)} do not`,
          );
      }
      if (exact) {
        for (const path of paths) {
          if (githubFilterMatch(globs, path) && !fnmatchcase(path, g.pattern))
            throw new Error(
              `seed ${seed}: ${JSON.stringify(globs)} claim to be exact for ${JSON.stringify(g.pattern)} but match ${JSON.stringify(path)}`,
            );
        }
      } else wider++;
    }
    // The generator must actually produce matching paths (else the property says nothing).
    expect(checked).toBeGreaterThan(10_000);
    expect(wider).toBeGreaterThan(100);
  });

  it('keeps ToyCI’s matches of the usual patterns, with `*` crossing directories', () => {
    const cases: [string, string[], string[]][] = [
      ['test*', ['test_a.py', 'tests/unit/a.py', 'testdata/x/y.json'], ['src/test_a.py']],
      ['src/*.py', ['src/a.py', 'src/pkg/util.py'], ['src/a.pyc', 'lib/a.py']],
      ['*.md', ['README.md', 'docs/guide/intro.md'], ['README.mdx']],
      ['docs/*', ['docs/a', 'docs/a/b.md'], ['doc/a']],
      ['requirements.txt', ['requirements.txt'], ['requirements.txt.bak', 'x/requirements.txt']],
      ['src/?.py', ['src/a.py', 'src//.py'], ['lib/a.py']],
      ['data[0-9].csv', ['data1.csv'], ['dataa.csv']],
      ['[!.]*', ['a', 'x/y'], []],
      ['a+b(c).txt', ['a+b(c).txt'], []],
    ];
    for (const [pattern, yes, no] of cases) {
      const { globs } = fnmatchToGlobs(pattern);
      for (const f of yes) {
        expect([pattern, f, fnmatchcase(f, pattern)]).toEqual([pattern, f, true]);
        expect([pattern, globs, f, githubFilterMatch(globs, f)]).toEqual([pattern, globs, f, true]);
      }
      for (const f of no) expect([pattern, globs, f, githubFilterMatch(globs, f)]).toEqual([pattern, globs, f, false]);
    }
    expect(fnmatchToGlobs('test*')).toEqual({ globs: ['test*', 'test*/**'], exact: true });
    expect(fnmatchToGlobs('src/*.py')).toEqual({ globs: ['src/**/*.py'], exact: true });
    expect(fnmatchToGlobs('./setup.cfg')).toEqual({ globs: ['setup.cfg'], exact: true });
    expect(fnmatchToGlobs('a+b(c).txt').exact).toBe(false);
  });
});

describe('test helpers', () => {
  it('the fnmatch port reads classes as CPython does', () => {
    expect(fnmatchcase('a/b', 'a?b')).toBe(true);
    expect(fnmatchcase('a/b', 'a[!x]b')).toBe(true);
    expect(fnmatchcase(']', '[]]')).toBe(true);
    expect(fnmatchcase('!', '[!]')).toBe(false); // `[!]` has no closing `]`: literal "[!]"
    expect(fnmatchcase('[!]', '[!]')).toBe(true);
    expect(fnmatchcase('\\', '[\\]')).toBe(true);
    expect(fnmatchcase('a.b', 'a[.]b')).toBe(true);
    expect(fnmatchcase('ab', '[')).toBe(false);
    expect(fnmatchcase('[', '[')).toBe(true);
  });
});
