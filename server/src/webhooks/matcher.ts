import type { WebhookProviderName } from '@api-manager/contracts';
import { WEBHOOK_PROVIDERS } from '../../../libs/contracts/src/webhooks.js';
import {
  FilterPattern,
  PatternError,
  PatternList,
  splitNegation,
  triggerFilterErrors,
} from '../../../libs/contracts/src/filter-pattern.js';
import type { NormalizedPush } from './push-event.js';

/**
 * Which jobs a push triggers: GitHub Actions' `on.push` rules (see README "Webhooks reference").
 * - Patterns are GitHub's filter syntax (filter-pattern.ts: `*`, `**`, `?`/`+` repeat the preceding
 *   character, `[]` sets, `\` escapes, a leading `!` negates), matched in time linear in the path.
 * - Each list (watchFiles, branches, branchesIgnore, tags, tagsIgnore) is read in order and the LAST
 *   matching pattern decides; a list needs a positive pattern (validation refuses negation-only lists).
 * - A trigger with neither branch nor tag filters runs for branch and tag pushes; one with only branch
 *   filters never runs for tags, one with only tag filters never for branches. `watchFiles` are not
 *   evaluated for tag pushes. An empty `watchFiles` watches every push.
 * - `provider` (default github) must be the delivery's provider; `repository` is compared
 *   case-insensitively.
 * - A rename is the old path removed plus the new path added; both are changed files. A path longer
 *   than MAX_PATH_BYTES is never matched (changed-files.ts marks the diff incomplete instead).
 *
 * Speed: every distinct pattern is compiled once (per job change), shared by every job that uses it,
 * and indexed by its literal directory prefix. A changed file is tested only against the patterns
 * whose prefix is one of the file's own ancestors (`a/b/c.ts` → '', 'a', 'a/b'), literal paths by a
 * Map lookup.
 */

export interface GithubTrigger {
  provider?: WebhookProviderName;
  repository?: string;
  branches?: string[];
  branchesIgnore?: string[];
  tags?: string[];
  tagsIgnore?: string[];
  watchFiles?: string[];
  params?: Record<string, string>;
}

export interface MatchableJob {
  id: string;
  name: string;
  /** The job's triggers; `github` is checked here (stored JSON, older rows included). */
  triggers: { github?: unknown } | null;
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
/** Longer paths are never matched character by character: the diff counts as incomplete. */
export const MAX_PATH_BYTES = 4096;

interface PatternUser {
  trigger: number;
  order: number;
  negated: boolean;
  source: string;
}

interface PatternGroup {
  pattern: FilterPattern;
  users: PatternUser[];
}

type RefFilter = { list: PatternList; field: string; ignore: boolean } | null;

interface CompiledTrigger<J extends MatchableJob> {
  job: J;
  jobIndex: number;
  index: number;
  spec: GithubTrigger;
  provider: WebhookProviderName;
  repository: string | null;
  branches: RefFilter;
  tags: RefFilter;
  /** Why the stored trigger cannot be evaluated (written before validation got stricter), or null. */
  invalid: string | null;
  watchesEverything: boolean;
  /** `watchFiles` as JSON, for the "none of N files match" reason. */
  watchFilesJson: string;
}

/** watchFiles conveniences kept from before: surrounding blanks, a leading `./` or `/`. */
function normalizePattern(p: string): { glob: string; negated: boolean } {
  const { body, negated } = splitNegation(p.trim());
  let s = body;
  while (s.startsWith('./')) s = s.slice(2);
  if (s.startsWith('/')) s = s.slice(1);
  return { glob: s, negated };
}

function githubTriggers(job: MatchableJob): GithubTrigger[] {
  const list = job.triggers?.github;
  return Array.isArray(list)
    ? (list as unknown[]).filter((t): t is GithubTrigger => t !== null && typeof t === 'object')
    : [];
}

function stringList(v: unknown): string[] | null {
  return Array.isArray(v) && v.length > 0 ? v.filter((x): x is string => typeof x === 'string') : null;
}

function refFilter(spec: GithubTrigger, field: 'branches' | 'tags'): RefFilter {
  const include = stringList(spec[field]);
  if (include) return { list: new PatternList(include), field, ignore: false };
  const ignoreField = field === 'branches' ? 'branchesIgnore' : 'tagsIgnore';
  const ignore = stringList(spec[ignoreField]);
  return ignore ? { list: new PatternList(ignore), field: ignoreField, ignore: true } : null;
}

type Decision = { ok: boolean; reason: () => string };

/** Whether a ref name passes a filter, and (lazily: most are never read) why. */
function passes(filter: NonNullable<RefFilter>, kind: string, name: string): Decision {
  const hit = filter.list.decide(name);
  const json = () => JSON.stringify(filter.list.sources);
  const pattern = () => JSON.stringify(hit?.pattern);
  if (filter.ignore) {
    return hit?.included
      ? { ok: false, reason: () => `${kind} ${name} is ignored by ${filter.field} pattern ${pattern()}` }
      : { ok: true, reason: () => `${kind} ${name} is not ignored by ${filter.field} ${json()}` };
  }
  if (hit?.included) return { ok: true, reason: () => `${kind} ${name} matches ${filter.field} pattern ${pattern()}` };
  return hit
    ? { ok: false, reason: () => `${kind} ${name} is excluded by ${filter.field} pattern ${pattern()}` }
    : { ok: false, reason: () => `${kind} ${name} matches none of ${filter.field} ${json()}` };
}

const fixed = (ok: boolean, text: string): Decision => ({ ok, reason: () => text });

/** Every pattern of a set of jobs, compiled once and indexed by literal prefix. */
export class CompiledMatcher<J extends MatchableJob = MatchableJob> {
  readonly triggers: CompiledTrigger<J>[] = [];
  private readonly byPrefix = new Map<string, PatternGroup[]>();
  private readonly literal = new Map<string, PatternUser[]>();
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
        const provider = (WEBHOOK_PROVIDERS as readonly string[]).includes(spec.provider ?? '')
          ? (spec.provider as WebhookProviderName)
          : 'github';
        const compiled: CompiledTrigger<J> = {
          job,
          jobIndex,
          index,
          spec,
          provider,
          repository: typeof spec.repository === 'string' && spec.repository ? spec.repository.toLowerCase() : null,
          branches: null,
          tags: null,
          invalid: null,
          watchesEverything: parsed.length === 0,
          watchFilesJson: JSON.stringify(spec.watchFiles),
        };
        this.triggers.push(compiled);
        const users: Array<{ user: PatternUser; pattern: FilterPattern }> = [];
        // Rows saved before validation got stricter (braces, negation-only lists...): never matched, and said why.
        const errors = triggerFilterErrors(`triggers.github.${index}`, spec);
        if (errors.length > 0) {
          compiled.invalid = `invalid trigger, fix the job: ${errors.join('; ')}`;
          return;
        }
        try {
          compiled.branches = refFilter(spec, 'branches');
          compiled.tags = refFilter(spec, 'tags');
          parsed.forEach(({ glob, negated }, order) => {
            const pattern = groups.get(glob)?.pattern ?? new FilterPattern(glob);
            users.push({ user: { trigger: t, order, negated, source: patterns[order] }, pattern });
          });
        } catch (err) {
          if (!(err instanceof PatternError)) throw err;
          compiled.invalid = `invalid filter pattern (${err.message}): fix the job`;
          return;
        }
        for (const { user, pattern } of users) {
          if (pattern.literal !== null) {
            const list = this.literal.get(pattern.literal) ?? [];
            list.push(user);
            this.literal.set(pattern.literal, list);
            continue;
          }
          let group = groups.get(pattern.source);
          if (!group) {
            group = { pattern, users: [] };
            groups.set(pattern.source, group);
            const list = this.byPrefix.get(pattern.base) ?? [];
            list.push(group);
            this.byPrefix.set(pattern.base, list);
          }
          group.users.push(user);
        }
      });
    });
  }

  /** Whether the ref passes the trigger's branch/tag filters (GitHub's push rules), and why. */
  private refDecision(t: CompiledTrigger<J>, push: NormalizedPush): Decision {
    if (push.tag !== null) {
      if (t.tags) return passes(t.tags, 'tag', push.tag);
      if (t.branches) return fixed(false, `tag push: the trigger filters branches only (${t.branches.field})`);
      return fixed(true, 'tag push: no branch or tag filters');
    }
    if (push.branch !== null) {
      if (t.branches) return passes(t.branches, 'branch', push.branch);
      if (t.tags) return fixed(false, `branch push: the trigger filters tags only (${t.tags.field})`);
      return fixed(true, '');
    }
    return fixed(false, `ref ${push.ref} is neither a branch nor a tag`);
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
      if (t.provider !== push.provider) {
        r.reason = `the delivery comes from ${push.provider}, the trigger is for ${t.provider}`;
        return r;
      }
      if (t.repository && t.repository !== push.repository.toLowerCase()) {
        r.reason = `repository ${push.repository} is not ${t.spec.repository}`;
        return r;
      }
      if (t.invalid) {
        r.reason = t.invalid;
        return r;
      }
      const ref = this.refDecision(t, push);
      if (!ref.ok) {
        r.reason = ref.reason();
      } else if (push.tag !== null) {
        r.matched = true;
        r.reason = t.watchesEverything ? ref.reason() : `${ref.reason()}; watchFiles are not evaluated for tag pushes`;
      } else if (t.watchesEverything) {
        r.matched = true;
        const why = ref.reason();
        r.reason = why ? `${why}; no watchFiles: every push matches` : 'no watchFiles: every push matches';
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
    // file that a pattern had included, not for every file a shared `!**/*.md` touches in jobs that
    // never watched it.
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
      if (file.length > MAX_PATH_BYTES / 3 && Buffer.byteLength(file) > MAX_PATH_BYTES) continue;
      touched.length = 0;
      const lit = this.literal.get(file);
      if (lit) for (const u of lit) hit(u, fi);
      let cut = -1;
      for (;;) {
        const prefix = cut < 0 ? '' : file.slice(0, cut);
        const groups = this.byPrefix.get(prefix);
        if (groups) for (const g of groups) if (g.pattern.test(file)) for (const u of g.users) hit(u, fi);
        const next = file.indexOf('/', cut + 1);
        if (next < 0) break;
        cut = next;
      }
      for (const t of touched) {
        const r = results[t];
        if (lastNegated[t]) {
          if (positive[t] === fi && r.excludedFiles.length < MAX_FILES_IN_EXPLANATION)
            r.excludedFiles.push({ file, pattern: lastSource[t] });
        } else {
          r.matchedFileCount++;
          if (r.matchedFiles.length < MAX_FILES_IN_EXPLANATION) r.matchedFiles.push({ file, pattern: lastSource[t] });
        }
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

/** The straightforward matcher (each pattern against each file, last match decides), for tests. */
export function naiveMatch(watchFiles: string[], files: string[]): string[] {
  const list = new PatternList(
    watchFiles.map((p) => {
      const { glob, negated } = normalizePattern(p);
      return (negated ? '!' : '') + glob;
    }),
  );
  return files.filter((f) => list.decide(f)?.included === true);
}
