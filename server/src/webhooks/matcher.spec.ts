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

function job(name: string, ...github: Record<string, unknown>[]): MatchableJob {
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

  it('negations: the last matching pattern decides', () => {
    const m = new CompiledMatcher([
      job('no-md', { watchFiles: ['prompts/**', '!**/*.md'] }),
      job('readme-back', { watchFiles: ['src/**', '!src/**/*.md', 'src/README.md'] }),
      job('all-but-docs', { watchFiles: ['**', '!docs/**'] }),
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
    expect(allButDocs.triggers[0].excludedFiles).toEqual([{ file: 'docs/guide.md', pattern: '!docs/**' }]);
  });

  it("GitHub's syntax where picomatch differed: `?`/`+` repeat, `**/x/**` needs a directory", () => {
    const m = new CompiledMatcher([
      job('jsx', { watchFiles: ['*.jsx?'] }),
      job('plus', { watchFiles: ['a+b.txt'] }),
      job('docs-dir', { watchFiles: ['**/docs/**'] }),
    ]);
    expect(matchedNames(m, ['page.js'])).toEqual(['jsx']);
    expect(matchedNames(m, ['page.jsx'])).toEqual(['jsx']);
    expect(matchedNames(m, ['ab.txt'])).toEqual(['plus']);
    expect(matchedNames(m, ['aaab.txt'])).toEqual(['plus']);
    expect(matchedNames(m, ['docs'])).toEqual([]);
    expect(matchedNames(m, ['a/docs'])).toEqual([]);
    expect(matchedNames(m, ['a/docs/x.md'])).toEqual(['docs-dir']);
  });

  it('a stored trigger with a pattern GitHub does not have never matches, and says why', () => {
    const m = new CompiledMatcher([
      job('brace', { watchFiles: ['{api,web}/**'] }),
      job('ok', { watchFiles: ['api/**'] }),
    ]);
    const [brace, ok] = m.match(push(), ['api/x.ts'], null);
    expect(brace.matched).toBe(false);
    expect(brace.reason).toMatch(
      /^invalid trigger, fix the job: triggers\.github\.0\.watchFiles\.0: invalid pattern "\{api,web\}\/\*\*": braces/,
    );
    expect(ok.matched).toBe(true);
    const negOnly = new CompiledMatcher([job('neg', { watchFiles: ['!docs/**'] })]).match(push(), ['src/a.ts'], null);
    expect(negOnly[0].matched).toBe(false);
    expect(negOnly[0].reason).toContain('triggers.github.0.watchFiles has only negated patterns');
  });

  it('a path longer than 4,096 bytes is never matched character by character: the diff is incomplete', () => {
    const long = 'src/' + 'a'.repeat(5000) + '.ts';
    const cf = changedFiles(push({ commits: [{ id: 'c1', message: 'm', added: [long], removed: [], modified: [] }] }));
    expect(cf.untrustedReason).toContain('longer than 4096 bytes');
    const m = new CompiledMatcher([job('src', { watchFiles: ['src/**'] }), job('docs', { watchFiles: ['docs/**'] })]);
    const r = m.match(push(), cf.files, cf.untrustedReason);
    expect(r.map((x) => x.matched)).toEqual([true, true]);
    expect(r[1].reason).toContain('longer than 4096 bytes');
    // The matcher itself skips such a path even when asked to trust the list.
    expect(matchedNames(m, [long])).toEqual([]);
  });

  it('literal paths, escapes, ./ prefixes and a pattern equal to a directory', () => {
    const m = new CompiledMatcher([
      job('literal', { watchFiles: ['package.json'] }),
      job('escaped', { watchFiles: ['c\\+\\+/**'] }),
      job('dotslash', { watchFiles: ['./ops/**'] }),
    ]);
    expect(matchedNames(m, ['package.json'])).toEqual(['literal']);
    expect(matchedNames(m, ['sub/package.json'])).toEqual([]);
    expect(matchedNames(m, ['c++/x/y.cc'])).toEqual(['escaped']);
    expect(matchedNames(m, ['c/x/y.cc'])).toEqual([]);
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

  it('branches and repository filters; the last matching branch pattern decides', () => {
    const m = new CompiledMatcher([
      job('main', { repository: 'Org/Repo', branches: ['main'], watchFiles: ['**'] }),
      job('release', { branches: ['release/*', '!release/*-rc'], watchFiles: ['**'] }),
      job('other-repo', { repository: 'org/other', watchFiles: ['**'] }),
      job('not-dev', { branchesIgnore: ['dev', 'wip/**'] }),
    ]);
    expect(matchedNames(m, ['a'])).toEqual(['main', 'not-dev']);
    const branch = (b: string) => push({ ref: `refs/heads/${b}`, branch: b });
    expect(matchedNames(m, ['a'], branch('release/1.2'))).toEqual(['release', 'not-dev']);
    expect(matchedNames(m, ['a'], branch('release/1.2-rc'))).toEqual(['not-dev']);
    expect(matchedNames(m, ['a'], branch('release/1/2'))).toEqual(['not-dev']);
    expect(matchedNames(m, ['a'], branch('wip/x/y'))).toEqual([]);
    const why = m.match(branch('dev'), ['a'], null);
    expect(why[0].reason).toBe('branch dev matches none of branches ["main"]');
    expect(why[2].reason).toContain('repository org/repo is not org/other');
    expect(why[3].reason).toBe('branch dev is ignored by branchesIgnore pattern "dev"');
    expect(m.match(branch('release/2-rc'), ['a'], null)[1].reason).toBe(
      'branch release/2-rc is excluded by branches pattern "!release/*-rc"',
    );
  });

  it("tags follow GitHub's push rules: filters per ref kind, no path filters for tags", () => {
    const m = new CompiledMatcher([
      job('no-filters', { watchFiles: ['src/**'] }),
      job('branches-only', { branches: ['main'] }),
      job('tags-only', { tags: ['v*', '!v*-beta'] }),
      job('both', { branches: ['main'], tags: ['v2*'] }),
      job('tags-ignore', { tagsIgnore: ['nightly-*'], watchFiles: ['docs/**'] }),
    ]);
    const tag = (t: string) => push({ ref: `refs/tags/${t}`, branch: null, tag: t });
    expect(matchedNames(m, [], tag('v1.0'))).toEqual(['no-filters', 'tags-only', 'tags-ignore']);
    expect(matchedNames(m, [], tag('v2.0'))).toEqual(['no-filters', 'tags-only', 'both', 'tags-ignore']);
    expect(matchedNames(m, [], tag('v2.0-beta'))).toEqual(['no-filters', 'both', 'tags-ignore']);
    expect(matchedNames(m, [], tag('nightly-1'))).toEqual(['no-filters']);
    expect(matchedNames(m, ['src/a.ts'])).toEqual(['no-filters', 'branches-only', 'both']);
    // tagsIgnore is a tag filter too: that trigger never runs for branch pushes.
    expect(matchedNames(m, ['docs/a.md'])).toEqual(['branches-only', 'both']);
    expect(m.match(push(), ['docs/a.md'], null)[4].reason).toBe(
      'branch push: the trigger filters tags only (tagsIgnore)',
    );
    const why = m.match(tag('v1.0'), [], null);
    expect(why[0].reason).toBe('tag push: no branch or tag filters; watchFiles are not evaluated for tag pushes');
    expect(why[1].reason).toBe('tag push: the trigger filters branches only (branches)');
    expect(why[2].reason).toBe('tag v1.0 matches tags pattern "v*"');
    expect(why[3].reason).toBe('tag v1.0 matches none of tags ["v2*"]');
    expect(m.match(push(), ['src/a.ts'], null)[2].reason).toBe('branch push: the trigger filters tags only (tags)');
    expect(m.match(tag('nightly-1'), [], null)[4].reason).toBe(
      'tag nightly-1 is ignored by tagsIgnore pattern "nightly-*"',
    );
  });

  it('a trigger runs only for deliveries of its provider (github by default)', () => {
    const m = new CompiledMatcher([
      job('gh', { repository: 'org/repo' }),
      job('gl', { provider: 'gitlab', repository: 'org/repo' }),
      job('gt', { provider: 'gitea', repository: 'org/repo' }),
    ]);
    expect(matchedNames(m, ['a'])).toEqual(['gh']);
    expect(matchedNames(m, ['a'], push({ provider: 'gitlab' }))).toEqual(['gl']);
    expect(matchedNames(m, ['a'], push({ provider: 'gitea' }))).toEqual(['gt']);
    expect(m.match(push({ provider: 'gitea' }), ['a'], null)[0].reason).toBe(
      'the delivery comes from gitea, the trigger is for github',
    );
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
      'a+/**',
      '*.m?d',
      'docs/x.md',
      '.git/**',
      '!a/b/**',
      '**/b/**',
      '[ab]/*',
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

  it("is unknown when a commit has no added/modified/removed lists (Gitea's documented example)", () => {
    const unlisted = {
      id: 'bffeb74224043ba2feb48d137756c8a9331c449a',
      message: 'x',
      added: [],
      removed: [],
      modified: [],
    };
    const r = changedFiles(push({ commits: [c('1', { added: ['a'] }), { ...unlisted, filesListed: false }] }));
    expect(r.untrustedReason).toBe(
      'commit bffeb7422404 has no added/modified/removed lists: the changed files are unknown',
    );
    // Empty lists are a real "no files" (GitHub sends them for empty commits).
    expect(changedFiles(push({ commits: [{ ...unlisted, filesListed: true }] })).untrustedReason).toBeNull();
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
    expect(detectSkip('Update docs\n\n\nCo-authored-by: A <a@x>\nskip-checks:true')).toBe('skip-checks: true');
  });

  it('counts skip-checks only as the last trailer of the trailer block, as GitHub documents', () => {
    // In the body (the last paragraph is prose, not a trailer block).
    expect(detectSkip('Update docs\n\nWe could add skip-checks: true here\nskip-checks: true')).toBeNull();
    expect(detectSkip('Update docs\n\nskip-checks: true\n\nThe real body comes last.')).toBeNull();
    // Not the last trailer.
    expect(detectSkip('Update docs\n\nskip-checks: true\nSigned-off-by: A <a@x>')).toBeNull();
    // In the subject line only.
    expect(detectSkip('skip-checks: true\nmore subject')).toBeNull();
    expect(detectSkip('')).toBeNull();
  });
});
