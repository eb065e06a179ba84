import {
  FilterPattern,
  PatternList,
  patternListErrors,
  triggerFilterErrors,
} from '../../../libs/contracts/src/filter-pattern.js';

const matches = (pattern: string, text: string) => new FilterPattern(pattern).test(text);
const list = (patterns: string[], text: string) => new PatternList(patterns).decide(text)?.included === true;

// GitHub Docs, "Workflow syntax for GitHub Actions" → "Filter pattern cheat sheet", every row.
describe('GitHub filter pattern cheat sheet: branches and tags', () => {
  it.each([
    ['feature/*', ['feature/my-branch', 'feature/your-branch'], ['feature/beta-a/my-branch', 'feature']],
    ['feature/**', ['feature/beta-a/my-branch', 'feature/your-branch', 'feature/mona/the/octocat'], ['feature']],
    ['main', ['main'], ['main2', 'mains', 'xmain']],
    ['releases/mona-the-octocat', ['releases/mona-the-octocat'], ['releases/mona-the-octocat2']],
    ['*', ['main', 'releases'], ['all/the/branches']],
    ['**', ['all/the/branches', 'every/tag', 'main'], []],
    ['*feature', ['mona-feature', 'feature', 'ver-10-feature'], ['feature/x', 'a/feature']],
    ['v2*', ['v2', 'v2.0', 'v2.9'], ['v1.0', 'v2/x']],
    ['v[12].[0-9]+.[0-9]+', ['v1.10.1', 'v2.0.0'], ['v3.0.0', 'v1.a.1', 'v1..1', 'v12.0.0']],
  ])('%s', (pattern, yes, no) => {
    for (const name of yes) expect([pattern, name, matches(pattern, name)]).toEqual([pattern, name, true]);
    for (const name of no) expect([pattern, name, matches(pattern, name)]).toEqual([pattern, name, false]);
  });
});

describe('GitHub filter pattern cheat sheet: file paths', () => {
  it.each([
    ['*', ['README.md', 'server.rb'], ['docs/README.md']],
    ['*.jsx?', ['page.js', 'page.jsx'], ['page.jsxx', 'page.j', 'dir/page.js']],
    ['**', ['all/the/files.md', 'README.md'], []],
    ['*.js', ['app.js', 'index.js'], ['js/index.js']],
    ['**.js', ['index.js', 'js/index.js', 'src/js/app.js'], ['app.ts']],
    ['docs/*', ['docs/README.md', 'docs/file.txt'], ['docs/mona/octocat.txt', 'docs']],
    ['docs/**', ['docs/README.md', 'docs/mona/octocat.txt'], ['docs', 'other/docs/a']],
    ['docs/**/*.md', ['docs/README.md', 'docs/mona/hello-world.md', 'docs/a/markdown/file.md'], ['docs/a/file.txt']],
    ['**/docs/**', ['docs/hello.md', 'dir/docs/my-file.txt', 'space/docs/plan/space.doc'], ['docs', 'a/docs']],
    ['**/README.md', ['README.md', 'js/README.md'], ['js/README.md.bak', 'NOTREADME.md']],
    ['**/*src/**', ['a/src/app.js', 'my-src/code/js/app.js'], ['src', 'a/src']],
    ['**/*-post.md', ['my-post.md', 'path/their-post.md'], ['post.md']],
    ['**/migrate-*.sql', ['migrate-10909.sql', 'db/migrate-v1.0.sql', 'db/sept/migrate-v1.sql'], ['db/migrate.sql']],
  ])('%s', (pattern, yes, no) => {
    for (const path of yes) expect([pattern, path, matches(pattern, path)]).toEqual([pattern, path, true]);
    for (const path of no) expect([pattern, path, matches(pattern, path)]).toEqual([pattern, path, false]);
  });

  it("'*.md' and '!README.md': a later negative pattern excludes", () => {
    const p = ['*.md', '!README.md'];
    expect(list(p, 'hello.md')).toBe(true);
    expect(list(p, 'README.md')).toBe(false);
    expect(list(p, 'docs/hello.md')).toBe(false);
  });

  it("'*.md', '!README.md', 'README*': patterns are checked in order, a later one re-includes", () => {
    const p = ['*.md', '!README.md', 'README*'];
    expect(list(p, 'hello.md')).toBe(true);
    expect(list(p, 'README.md')).toBe(true);
    expect(list(p, 'README.doc')).toBe(true);
    expect(new PatternList(p).decide('README.md')).toEqual({ included: true, pattern: 'README*' });
  });
});

describe('filter syntax details', () => {
  it('`?` and `+` repeat the preceding character (or set), and are literal at the start', () => {
    expect(matches('a+b.txt', 'ab.txt')).toBe(true);
    expect(matches('a+b.txt', 'aaab.txt')).toBe(true);
    expect(matches('a+b.txt', 'b.txt')).toBe(false);
    expect(matches('colou?r', 'color')).toBe(true);
    expect(matches('colou?r', 'colour')).toBe(true);
    expect(matches('colou?r', 'colouur')).toBe(false);
    expect(matches('[0-9]+', '2026')).toBe(true);
    expect(matches('[0-9]+', '')).toBe(false);
    expect(matches('+x', '+x')).toBe(true);
    expect(matches('?x', '?x')).toBe(true);
    expect(matches('?x', 'x')).toBe(false);
  });

  it('`\\` escapes special characters; `!` is plain after the first character; `.` is plain', () => {
    expect(matches('c\\+\\+/*', 'c++/main.cc')).toBe(true);
    expect(matches('c\\+\\+/*', 'c/main.cc')).toBe(false);
    expect(matches('release\\*', 'release*')).toBe(true);
    expect(matches('release\\*', 'release1')).toBe(false);
    expect(matches('what\\?', 'what?')).toBe(true);
    expect(matches('\\[x]', '[x]')).toBe(true);
    expect(matches('\\{a,b}', '{a,b}')).toBe(true);
    expect(matches('wow!', 'wow!')).toBe(true);
    expect(matches('a.b', 'axb')).toBe(false);
    expect(new PatternList(['**', '!!x']).decide('!x')).toEqual({ included: false, pattern: '!!x' });
  });

  it('sets: listed characters and ranges, `-` at the edges is plain', () => {
    expect(matches('[CB]at', 'Cat')).toBe(true);
    expect(matches('[CB]at', 'Bat')).toBe(true);
    expect(matches('[CB]at', 'Rat')).toBe(false);
    expect(matches('[1-2]00', '100')).toBe(true);
    expect(matches('[1-2]00', '200')).toBe(true);
    expect(matches('[1-2]00', '300')).toBe(false);
    expect(matches('[0-9a-z]', 'q')).toBe(true);
    expect(matches('[0-9a-z]', 'Q')).toBe(false);
    expect(matches('x[-_]y', 'x-y')).toBe(true);
    expect(matches('x[_-]y', 'x_y')).toBe(true);
  });

  it('refuses what GitHub does not have, naming the problem', () => {
    const err = (p: string) => patternListErrors('watchFiles', [p]);
    expect(err('{api,web}/**')[0]).toMatch(/^watchFiles\.0: invalid pattern "\{api,web\}\/\*\*": braces/);
    expect(err('@(a|b)/**')[0]).toContain('extglob "@(...)"');
    expect(err('*(a|b)')[0]).toContain('extglob "*(...)"');
    expect(err('src/+(a|b)')[0]).toContain('extglob "+(...)"');
    expect(err('src/?(a)')[0]).toContain('extglob "?(...)"');
    expect(err('!(*.md)')[0]).toContain('extglob "!(...)"');
    expect(err('src/!(*.md)')[0]).toContain('extglob "!(...)"');
    expect(patternListErrors('x', ['**', '!\\(draft)*'])).toEqual([]);
    expect(err('[!a]*')[0]).toContain('negated sets');
    expect(err('[a-Z]')[0]).toContain('range "a-Z"');
    expect(err('[abc')[0]).toContain('never closed');
    expect(err('a\\')[0]).toContain('escapes nothing');
    expect(err('*+')[0]).toContain('repeats nothing');
    expect(err('a+?')[0]).toContain('repeats nothing');
    expect(patternListErrors('branches', ['!main'])).toEqual([
      'branches has only negated patterns: add a positive pattern first (e.g. "**"), as GitHub requires at least one',
    ]);
    expect(patternListErrors('branches', ['main', '!'])).toEqual(['branches.1: "!" negates nothing']);
    expect(patternListErrors('x', ['ok/**', '!ok/*.md', 'v[12].[0-9]+', 'a\\{b}'])).toEqual([]);
  });

  it('refuses branches together with branchesIgnore, and tags with tagsIgnore', () => {
    expect(triggerFilterErrors('triggers.github.0', { branches: ['a'], branchesIgnore: ['b'] })).toEqual([
      'triggers.github.0: use either branches or branchesIgnore, not both (as in GitHub Actions; write "!pattern" in branches to exclude)',
    ]);
    expect(triggerFilterErrors('t', { tags: ['v*'], tagsIgnore: ['x'] })[0]).toContain('tags or tagsIgnore');
    expect(triggerFilterErrors('t', { branches: ['main'], tagsIgnore: ['x'] })).toEqual([]);
  });
});

describe('linear-time matching', () => {
  // Under picomatch these took >30 s (backtracking regexes) and blocked the event loop.
  const hostile = [
    '**/*a*a*a*a*a*a*b.js',
    '**/*a*a*a*a*a*a*a*a*a*a*a*a*b',
    '**a**a**a**a**a**a**a**b',
    'a+a+a+a+a+a+a+a+a+a+a+a+b',
    '**/**/**/**/**/**/**/**/x',
  ];
  const paths = ['a'.repeat(100), 'a/'.repeat(50) + 'a.js', 'a'.repeat(4000), ('a'.repeat(30) + '/').repeat(120)];

  it.each(hostile)('%s: the result is right and the work is bounded by path length × pattern states', (pattern) => {
    const p = new FilterPattern(pattern);
    for (const path of paths) {
      const before = FilterPattern.steps;
      expect(p.test(path)).toBe(false);
      const work = FilterPattern.steps - before;
      // Each character visits every live NFA state at most twice (test + closure), plus the start closure.
      expect(work).toBeLessThanOrEqual((path.length + 1) * 2 * p.stateCount);
    }
    const positive = pattern.endsWith('x')
      ? 'a/'.repeat(20) + 'x'
      : 'a'.repeat(200) + 'b' + (pattern.endsWith('.js') ? '.js' : '');
    expect(p.test(positive)).toBe(true);
  });

  it('work grows linearly with the path, not exponentially', () => {
    const p = new FilterPattern('**/*a*a*a*a*a*a*b.js');
    const work = (n: number) => {
      const before = FilterPattern.steps;
      p.test('a'.repeat(n));
      return FilterPattern.steps - before;
    };
    work(10); // warm the lazy DFA
    const w1 = work(1000);
    const w2 = work(2000);
    expect(w2).toBeLessThanOrEqual(2 * w1 + 10);
  });

  it('past the lazy DFA cap (256 states) it simulates the NFA, with the same answers and the same bound', () => {
    // "the 10th character from the end is an a": 2^10 DFA states, far past the cap.
    const p = new FilterPattern('**a' + '[ab]'.repeat(9));
    const reference = /^.*a[ab]{9}$/;
    let seed = 11;
    // The high bits: the low bit of this generator only alternates.
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), Math.floor(seed / 65536) % k);
    for (let round = 0; round < 300; round++) {
      const text = Array.from({ length: 20 + rnd(200) }, () => (rnd(2) ? 'a' : 'b')).join('');
      const before = FilterPattern.steps;
      expect([text, p.test(text)]).toEqual([text, reference.test(text)]);
      expect(FilterPattern.steps - before).toBeLessThanOrEqual((text.length + 1) * 2 * p.stateCount);
    }
    expect(p.dfaSize).toBe(256);
  });

  it('refuses patterns over 1,000 characters', () => {
    expect(patternListErrors('watchFiles', ['a'.repeat(1001)])[0]).toContain('longer than 1000 characters');
  });
});
