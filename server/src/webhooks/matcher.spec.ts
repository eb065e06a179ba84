import { changedFiles } from './changed-files.js';
import { CompiledMatcher, naiveMatch, type MatchableJob } from './matcher.js';
import type { NormalizedPush } from './push-event.js';
import { detectSkip, SKIP_MARKERS } from './skip.js';

function push(over: Partial<NormalizedPush> = {}): NormalizedPush {
  return {
    provider: 'github',
    repository: 'org/repo',
    ref: 'refs/heads/main',
    branch: 'main',
    tag: null,
    before: 'a'.repeat(40),
    after: 'b'.repeat(40),
    created: false,
    deleted: false,
    forced: false,
    headCommit: null,
    commits: [],
    totalCommits: null,
    compareUrl: null,
    pusher: null,
    ...over,
  };
}

function job(name: string, ...github: any[]): MatchableJob {
  return { id: name, name, triggers: { github } };
}

function matchedNames(m: CompiledMatcher, files: string[], p = push(), untrusted: string | null = null): string[] {
  return m
    .match(p, files, untrusted)
    .filter((x) => x.matched)
    .map((x) => x.job.name);
}

describe('watchFiles matching', () => {
  it('`*` does not cross `/`, `**` does, and dotfiles match', () => {
    const m = new CompiledMatcher([
      job('star', { watchFiles: ['src/*.ts'] }),
      job('globstar', { watchFiles: ['src/**'] }),
      job('top-md', { watchFiles: ['*.md'] }),
      job('any-md', { watchFiles: ['**/*.md'] }),
      job('dot', { watchFiles: ['.github/**'] }),
      job('env', { watchFiles: ['**/.env'] }),
    ]);
    expect(matchedNames(m, ['src/x/a.ts'])).toEqual(['globstar']);
    expect(matchedNames(m, ['src/a.ts'])).toEqual(['star', 'globstar']);
    expect(matchedNames(m, ['docs/a.md'])).toEqual(['any-md']);
    expect(matchedNames(m, ['README.md'])).toEqual(['top-md', 'any-md']);
    expect(matchedNames(m, ['.github/workflows/ci.yml'])).toEqual(['dot']);
    expect(matchedNames(m, ['deploy/.env'])).toEqual(['env']);
    expect(matchedNames(m, ['src/.hidden/x.ts'])).toEqual(['globstar']);
  });

  it('negations: the last matching pattern decides; only-negated lists start included', () => {
    const m = new CompiledMatcher([
      job('no-md', { watchFiles: ['prompts/**', '!**/*.md'] }),
      job('readme-back', { watchFiles: ['src/**', '!src/**/*.md', 'src/README.md'] }),
      job('all-but-docs', { watchFiles: ['!docs/**'] }),
    ]);
    expect(matchedNames(m, ['prompts/a.md'])).toEqual(['all-but-docs']);
    expect(matchedNames(m, ['prompts/a.txt'])).toEqual(['no-md', 'all-but-docs']);
    expect(matchedNames(m, ['src/x/notes.md'])).toEqual(['all-but-docs']);
    expect(matchedNames(m, ['src/README.md'])).toEqual(['readme-back', 'all-but-docs']);
    expect(matchedNames(m, ['docs/a.md', 'docs/b/c.txt'])).toEqual([]);
    const [noMd, , allButDocs] = m.match(push(), ['prompts/a.md', 'prompts/b.txt', 'docs/guide.md'], null);
    expect(noMd.triggers[0].matchedFiles).toEqual([{ file: 'prompts/b.txt', pattern: 'prompts/**' }]);
    // docs/guide.md hits `!**/*.md` too, but prompts/** never included it: it is not an exclusion.
    expect(noMd.triggers[0].excludedFiles).toEqual([{ file: 'prompts/a.md', pattern: '!**/*.md' }]);
    // A negation-only list starts with every file included, so its negations do exclude.
    expect(allButDocs.triggers[0].excludedFiles).toEqual([{ file: 'docs/guide.md', pattern: '!docs/**' }]);
  });

  it('literal paths, braces, ./ prefixes and a pattern equal to a directory', () => {
    const m = new CompiledMatcher([
      job('literal', { watchFiles: ['package.json'] }),
      job('brace', { watchFiles: ['{api,web}/**/*.ts'] }),
      job('dotslash', { watchFiles: ['./ops/**'] }),
    ]);
    expect(matchedNames(m, ['package.json'])).toEqual(['literal']);
    expect(matchedNames(m, ['sub/package.json'])).toEqual([]);
    expect(matchedNames(m, ['web/x/y.ts'])).toEqual(['brace']);
    expect(matchedNames(m, ['ops/nginx/site.conf'])).toEqual(['dotslash']);
  });

  it('a rename (removed + added) matches on either path', () => {
    const files = changedFiles(
      push({
        commits: [{ id: 'c1', message: 'mv', added: ['new/place.ts'], removed: ['old/place.ts'], modified: [] }],
      }),
    ).files;
    expect(files).toEqual(['new/place.ts', 'old/place.ts']);
    const m = new CompiledMatcher([job('old', { watchFiles: ['old/**'] }), job('new', { watchFiles: ['new/**'] })]);
    expect(matchedNames(m, files)).toEqual(['old', 'new']);
  });

  it('branches and repository filters, tags only with a tags filter', () => {
    const m = new CompiledMatcher([
      job('main', { repository: 'Org/Repo', branches: ['main'], watchFiles: ['**'] }),
      job('release', { branches: ['release/*'], watchFiles: ['**'] }),
      job('other-repo', { repository: 'org/other', watchFiles: ['**'] }),
      job('tags', { tags: ['v*'], watchFiles: ['src/**'] }),
    ]);
    expect(matchedNames(m, ['a'])).toEqual(['main']);
    expect(matchedNames(m, ['a'], push({ ref: 'refs/heads/release/1.2', branch: 'release/1.2' }))).toEqual(['release']);
    expect(matchedNames(m, ['a'], push({ ref: 'refs/heads/release/1/2', branch: 'release/1/2' }))).toEqual([]);
    expect(matchedNames(m, [], push({ ref: 'refs/tags/v1.0', branch: null, tag: 'v1.0' }))).toEqual(['tags']);
    const why = m.match(push({ ref: 'refs/heads/dev', branch: 'dev' }), ['a'], null);
    expect(why[0].reason).toContain('branch dev matches none of');
    expect(why[2].reason).toContain('repository org/repo is not org/other');
  });

  it('an untrusted file list matches every watched job of the repository, with the reason', () => {
    const m = new CompiledMatcher([
      job('a', { watchFiles: ['a/**'] }),
      job('b', { repository: 'org/other', watchFiles: ['b/**'] }),
    ]);
    const r = m.match(push(), [], 'forced push');
    expect(r.map((x) => x.matched)).toEqual([true, false]);
    expect(r[0].reason).toContain('forced push');
  });

  it('agrees with the straightforward matcher on random patterns and files', () => {
    const seg = ['a', 'b', 'src', '.git', 'x.md', 'y.ts', 'docs'];
    const pats = [
      '**',
      '*.md',
      '**/*.md',
      'src/**',
      '!src/**',
      'a/*',
      'a/**/b/*.ts',
      '!**/*.ts',
      '{a,b}/**',
      'docs/x.md',
      '.git/**',
      '!a/b/**',
      'src/*/y.ts',
    ];
    let seed = 7;
    const rnd = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % k);
    for (let round = 0; round < 200; round++) {
      const watch = Array.from({ length: 1 + rnd(4) }, () => pats[rnd(pats.length)]);
      const files = Array.from({ length: 1 + rnd(6) }, () =>
        Array.from({ length: 1 + rnd(4) }, () => seg[rnd(seg.length)]).join('/'),
      );
      const unique = [...new Set(files)].sort();
      const m = new CompiledMatcher([job('j', { watchFiles: watch })]);
      const [r] = m.match(push(), unique, null);
      expect({ watch, unique, count: r.triggers[0].matchedFileCount }).toEqual({
        watch,
        unique,
        count: naiveMatch(watch, unique).length,
      });
    }
  });
});

describe('changed files', () => {
  const c = (id: string, files: Partial<Record<'added' | 'removed' | 'modified', string[]>>) => ({
    id,
    message: id,
    added: files.added ?? [],
    removed: files.removed ?? [],
    modified: files.modified ?? [],
  });

  it('is the union over all commits', () => {
    const r = changedFiles(
      push({ commits: [c('1', { added: ['a', 'b'] }), c('2', { modified: ['a'], removed: ['c'] })] }),
    );
    expect(r).toEqual({ files: ['a', 'b', 'c'], untrustedReason: null });
  });

  it('is untrusted at 2,048 commits, 3,000 files, forced pushes, new refs without commits, GitLab partial lists', () => {
    expect(
      changedFiles(push({ commits: Array.from({ length: 2048 }, (_, i) => c(String(i), { added: ['f'] })) }))
        .untrustedReason,
    ).toContain('2048');
    expect(
      changedFiles(push({ commits: [c('big', { modified: Array.from({ length: 3000 }, (_, i) => `f${i}`) })] }))
        .untrustedReason,
    ).toContain('3000');
    expect(changedFiles(push({ forced: true, commits: [c('1', { added: ['a'] })] })).untrustedReason).toContain(
      'forced',
    );
    expect(changedFiles(push({ created: true })).untrustedReason).toContain('new branch');
    expect(changedFiles(push({ totalCommits: 25, commits: [c('1', { added: ['a'] })] })).untrustedReason).toContain(
      '1 of 25',
    );
    expect(changedFiles(push({ deleted: true })).untrustedReason).toBeNull();
  });
});

describe('skip markers', () => {
  it.each(SKIP_MARKERS.map((m) => [m]))('recognizes %s in any case', (marker) => {
    expect(detectSkip(`fix: things ${marker.toUpperCase()}`)).toBe(marker);
    expect(detectSkip(`Docs\n\nbody ${marker}`)).toBe(marker);
  });

  it('recognizes a skip-checks: true trailer, and nothing else', () => {
    expect(detectSkip('Update docs\n\nskip-checks: true')).toBe('skip-checks: true');
    expect(detectSkip('Update docs\n\nSigned-off-by: x\nskip-checks:true\n')).toBe('skip-checks: true');
    expect(detectSkip('skip-checks: true')).toBeNull();
    expect(detectSkip('Update docs\n\nskip-checks: false')).toBeNull();
    expect(detectSkip('skip ci please')).toBeNull();
    expect(detectSkip('')).toBeNull();
  });
});
