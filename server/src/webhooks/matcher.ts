import picomatch from 'picomatch';
import type { NormalizedPush } from './push-event.js';

/**
 * Glob semantics of `triggers.github[].watchFiles` (picomatch, `dot: true`):
 * - Paths are repository-relative with `/` separators, matched against the whole path.
 * - `*` matches any characters except `/` (unlike ToyCI's fnmatch, where `*` crossed directories):
 *   `src/*.ts` matches `src/a.ts`, not `src/x/a.ts`; `*.md` matches only top-level files.
 * - `**` matches any number of path segments (including none): `docs/**` matches `docs`, `docs/a`,
 *   `docs/a/b.md`; `**\/*.md` matches Markdown files at any depth.
 * - `?`, `[abc]`, `{a,b}` and extglobs work as in picomatch.
 * - Dotfiles and dot-directories are matched like any other name (`**` matches `.github/x.yml`).
 * - `!pattern` excludes. Patterns are read in order and the LAST pattern matching a file decides
 *   (as in GitHub Actions `paths`): `["src/**", "!src/**\/*.md", "src/README.md"]` watches all of src
 *   except Markdown, but does watch src/README.md. If every pattern is negated, files start as
 *   watched (as if `**` came first). An empty `watchFiles` watches every push.
 * - A rename is the old path removed plus the new path added; both are changed files.
 * - `branches` / `tags` are globs with the same rules (`release/*` matches `release/1.2`, not
 *   `release/1/2`); no `branches` means every branch. Tag pushes match only triggers with `tags`
 *   (path filters are not evaluated for tags, as in GitHub Actions). `repository` is compared
 *   case-insensitively; no `repository` means any.
 *
 * Speed: every distinct pattern is compiled once (per job change) and indexed by its literal
 * directory prefix (picomatch.scan's `base`). A changed file is tested only against the patterns
 * whose prefix is one of the file's own ancestors (`a/b/c.ts` → '', 'a', 'a/b', 'a/b/c.ts'),
 * each distinct pattern once however many jobs share it, and literal paths by a Map lookup.
 */

export interface GithubTrigger {
  repository?: string;
  branches?: string[];
  tags?: string[];
  watchFiles?: string[];
  params?: Record<string, string>;
}

export interface MatchableJob {
  id: string;
  name: string;
  triggers: Record<string, any>;
}

export interface FileHit {
  file: string;
  pattern: string;
}

export interface TriggerResult {
  trigger: number;
  matched: boolean;
  reason: string;
  matchedFiles: FileHit[];
  matchedFileCount: number;
  excludedFiles: FileHit[];
}

export interface JobMatch<J extends MatchableJob = MatchableJob> {
  job: J;
  matched: boolean;
  /** Index of the first matching trigger in triggers.github (its params are mapped). */
  trigger: number | null;
  reason: string;
  triggers: TriggerResult[];
}

export const MAX_FILES_IN_EXPLANATION = 20;

const OPTS = { dot: true } as const;

interface PatternUser {
  trigger: number;
  order: number;
  negated: boolean;
  source: string;
}

interface PatternGroup {
  test: (file: string) => boolean;
  users: PatternUser[];
}

interface CompiledTrigger<J extends MatchableJob> {
  job: J;
  jobIndex: number;
  index: number;
  spec: GithubTrigger;
  repository: string | null;
  branches: ((s: string) => boolean) | null;
  tags: ((s: string) => boolean) | null;
  watchesEverything: boolean;
  startsIncluded: boolean;
  /** `watchFiles` as JSON, for the "none of N files match" reason. */
  watchFilesJson: string;
}

const reCache = new Map<string, RegExp>();
function compileGlob(glob: string): RegExp {
  let re = reCache.get(glob);
  if (!re) {
    re = picomatch.makeRe(glob, OPTS);
    if (reCache.size > 20000) reCache.clear();
    reCache.set(glob, re);
  }
  return re;
}

function anyOf(globs: string[] | undefined): ((s: string) => boolean) | null {
  if (!globs || globs.length === 0) return null;
  const res = globs.map(compileGlob);
  return (s) => res.some((r) => r.test(s));
}

function normalizePattern(p: string): { glob: string; negated: boolean } {
  let s = p.trim();
  let negated = false;
  while (s.startsWith('!')) {
    negated = !negated;
    s = s.slice(1);
  }
  while (s.startsWith('./')) s = s.slice(2);
  if (s.startsWith('/')) s = s.slice(1);
  return { glob: s, negated };
}

function githubTriggers(job: MatchableJob): GithubTrigger[] {
  const list = job.triggers?.github;
  return Array.isArray(list) ? list.filter((t) => t && typeof t === 'object') : [];
}

/** Every watchFiles pattern of a set of jobs, compiled once and indexed by literal prefix. */
export class CompiledMatcher<J extends MatchableJob = MatchableJob> {
  readonly triggers: CompiledTrigger<J>[] = [];
  private readonly byPrefix = new Map<string, PatternGroup[]>();
  private readonly literal = new Map<string, PatternUser[]>();
  private readonly startsIncludedTriggers: number[] = [];
  private readonly triggersByJob: number[][] = [];

  constructor(readonly jobs: J[]) {
    const groups = new Map<string, PatternGroup>();
    jobs.forEach((job, jobIndex) => {
      this.triggersByJob.push([]);
      githubTriggers(job).forEach((spec, index) => {
        const t = this.triggers.length;
        this.triggersByJob[jobIndex].push(t);
        const patterns = (spec.watchFiles ?? []).filter((p) => typeof p === 'string' && p.trim() !== '');
        const parsed = patterns.map(normalizePattern);
        const startsIncluded = parsed.length > 0 && parsed.every((p) => p.negated);
        this.triggers.push({
          job,
          jobIndex,
          index,
          spec,
          repository: typeof spec.repository === 'string' && spec.repository ? spec.repository.toLowerCase() : null,
          branches: anyOf(spec.branches),
          tags: anyOf(spec.tags),
          watchesEverything: parsed.length === 0,
          startsIncluded,
          watchFilesJson: JSON.stringify(spec.watchFiles),
        });
        if (startsIncluded) this.startsIncludedTriggers.push(t);
        parsed.forEach(({ glob, negated }, order) => {
          const user: PatternUser = { trigger: t, order, negated, source: patterns[order] };
          const scan = picomatch.scan(glob);
          if (!scan.isGlob) {
            const list = this.literal.get(glob) ?? [];
            list.push(user);
            this.literal.set(glob, list);
            return;
          }
          const base = scan.base.includes('\\') ? '' : scan.base.replace(/\/+$/, '');
          let group = groups.get(glob);
          if (!group) {
            const re = compileGlob(glob);
            group = { test: (f) => re.test(f), users: [] };
            groups.set(glob, group);
            const list = this.byPrefix.get(base) ?? [];
            list.push(group);
            this.byPrefix.set(base, list);
          }
          group.users.push(user);
        });
      });
    });
  }

  /** Which jobs this push triggers, and why (or why not) for every job with a GitHub trigger. */
  match(push: NormalizedPush, files: string[], untrustedReason: string | null): JobMatch<J>[] {
    const n = this.triggers.length;
    const active = new Uint8Array(n);
    const results: TriggerResult[] = this.triggers.map((t, ti) => {
      const r: TriggerResult = {
        trigger: t.index,
        matched: false,
        reason: '',
        matchedFiles: [],
        matchedFileCount: 0,
        excludedFiles: [],
      };
      if (t.repository && t.repository !== push.repository.toLowerCase()) {
        r.reason = `repository ${push.repository} is not ${t.spec.repository}`;
      } else if (push.tag !== null) {
        if (!t.tags) r.reason = 'tag push: the trigger has no tags filter';
        else if (!t.tags(push.tag)) r.reason = `tag ${push.tag} matches none of ${JSON.stringify(t.spec.tags)}`;
        else {
          r.matched = true;
          r.reason = `tag ${push.tag} matches ${JSON.stringify(t.spec.tags)}`;
        }
      } else if (push.branch === null) {
        r.reason = `ref ${push.ref} is neither a branch nor a tag`;
      } else if (t.branches && !t.branches(push.branch)) {
        r.reason = `branch ${push.branch} matches none of ${JSON.stringify(t.spec.branches)}`;
      } else if (t.watchesEverything) {
        r.matched = true;
        r.reason = 'no watchFiles: every push matches';
      } else if (untrustedReason) {
        r.matched = true;
        r.reason = `every watched job matches: ${untrustedReason}`;
      } else {
        active[ti] = 1;
      }
      return r;
    });
    // Per file: the last matching pattern (highest order) of each active trigger decides.
    const lastOrder = new Int32Array(n);
    const lastNegated = new Uint8Array(n);
    const lastSource: string[] = new Array(n);
    const stamp = new Int32Array(n).fill(-1);
    // The file of the trigger's last non-negated hit: an exclusion is reported only when it removed a
    // file that a pattern (or a negation-only list's implicit `**`) had included, not for every file
    // a shared `!**/*.md` touches in jobs that never watched it.
    const positive = new Int32Array(n).fill(-1);
    const touched: number[] = [];
    const hit = (u: PatternUser, fileIndex: number) => {
      if (!active[u.trigger]) return;
      if (stamp[u.trigger] !== fileIndex) {
        stamp[u.trigger] = fileIndex;
        lastOrder[u.trigger] = -1;
        touched.push(u.trigger);
      }
      if (!u.negated) positive[u.trigger] = fileIndex;
      if (u.order > lastOrder[u.trigger]) {
        lastOrder[u.trigger] = u.order;
        lastNegated[u.trigger] = u.negated ? 1 : 0;
        lastSource[u.trigger] = u.source;
      }
    };
    for (let fi = 0; fi < files.length; fi++) {
      const file = files[fi];
      touched.length = 0;
      const lit = this.literal.get(file);
      if (lit) for (const u of lit) hit(u, fi);
      let cut = -1;
      for (;;) {
        const prefix = cut < 0 ? '' : file.slice(0, cut);
        const groups = this.byPrefix.get(prefix);
        if (groups) for (const g of groups) if (g.test(file)) for (const u of g.users) hit(u, fi);
        if (cut === file.length) break;
        const next = file.indexOf('/', cut + 1);
        cut = next < 0 ? file.length : next;
      }
      for (const t of touched) {
        const r = results[t];
        if (lastNegated[t]) {
          const wasIncluded = positive[t] === fi || this.triggers[t].startsIncluded;
          if (wasIncluded && r.excludedFiles.length < MAX_FILES_IN_EXPLANATION)
            r.excludedFiles.push({ file, pattern: lastSource[t] });
        } else {
          r.matchedFileCount++;
          if (r.matchedFiles.length < MAX_FILES_IN_EXPLANATION) r.matchedFiles.push({ file, pattern: lastSource[t] });
        }
      }
      for (const t of this.startsIncludedTriggers) {
        if (!active[t] || stamp[t] === fi) continue;
        const r = results[t];
        r.matchedFileCount++;
        if (r.matchedFiles.length < MAX_FILES_IN_EXPLANATION) r.matchedFiles.push({ file, pattern: '(not excluded)' });
      }
    }
    for (let t = 0; t < n; t++) {
      if (!active[t]) continue;
      const r = results[t];
      r.matched = r.matchedFileCount > 0;
      r.reason = r.matched
        ? `${r.matchedFileCount} of ${files.length} changed files match watchFiles`
        : files.length === 0
          ? 'no changed files'
          : `none of ${files.length} changed files match watchFiles ${this.triggers[t].watchFilesJson}`;
    }
    return this.jobs.map((job, jobIndex) => {
      const mine = this.triggersByJob[jobIndex].map((i) => [this.triggers[i], results[i]] as const);
      const first = mine.find(([, r]) => r.matched);
      return {
        job,
        matched: !!first,
        trigger: first ? first[0].index : null,
        reason: first ? first[1].reason : mine.map(([, r]) => r.reason).join('; ') || 'no GitHub trigger',
        triggers: mine.map(([, r]) => r),
      };
    });
  }
}

/** The straightforward matcher (each job's patterns against each file), kept for tests and the benchmark. */
export function naiveMatch(watchFiles: string[], files: string[]): string[] {
  const parsed = watchFiles.map(normalizePattern).map((p) => ({ ...p, m: picomatch(p.glob, OPTS) }));
  const startsIncluded = parsed.length > 0 && parsed.every((p) => p.negated);
  return files.filter((f) => {
    let included = startsIncluded;
    for (const p of parsed) if (p.m(f)) included = !p.negated;
    return included;
  });
}
