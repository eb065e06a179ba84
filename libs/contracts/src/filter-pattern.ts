/**
 * GitHub Actions' filter patterns (`on.push.branches|tags|paths`, the "Filter pattern cheat sheet"),
 * compiled to an NFA and run by simulating the set of live states: the cost of one match is at most
 * (path length × pattern states), whatever the pattern — no backtracking, no timeout needed.
 *
 * The language:
 * - `*` any characters except `/`; `**` any characters including `/`; `**` followed by `/` also
 *   matches nothing at all (`**\/README.md` matches `README.md`) but otherwise needs a whole directory
 *   (`**\/docs/**` does not match a file named `docs`).
 * - `?` zero or one of the PRECEDING character (or `[]` set); `+` one or more of it. At the very
 *   start of a pattern they are plain characters (nothing precedes them).
 * - `[...]` one character listed or in a range; ranges only within `a-z`, `A-Z` or `0-9`.
 * - `!` at the start of a pattern negates it (handled by PatternList); anywhere else it is plain.
 * - `\` makes the next character plain (`\*`, `\+`, `\[`...).
 * Not in GitHub's language, so refused with a message (instead of silently meaning something else):
 * brace expansion `{a,b}`, extglobs `@(..)`, `*(..)`, `+(..)`, `?(..)`, `!(..)`, negated sets
 * `[!..]`/`[^..]`, a repetition after `*`/`**` or after another repetition, an empty or unclosed `[`,
 * a trailing `\`.
 */

export const MAX_PATTERN_LENGTH = 1000;
/** Lazily built DFA states per pattern; past this the NFA is simulated without caching (still linear). */
const MAX_DFA_STATES = 256;

export class PatternError extends Error {
  override name = 'PatternError';
}

// NFA node kinds.
const CHAR = 0; // consume one code unit equal to arg
const ANY = 1; // consume any code unit
const NOT_SLASH = 2; // consume any code unit but '/'
const SET = 3; // consume a code unit in sets[arg]
const SPLIT = 4; // epsilon to out and out2
const ACCEPT = 5;

const SLASH = 47;

type Atom =
  | { kind: 'char'; code: number }
  | { kind: 'set'; ranges: number[] }
  | { kind: 'star' }
  | { kind: 'globstar' }
  | { kind: 'globstar-dir' };

interface Token {
  atom: Atom;
  rep: '' | '?' | '+';
}

function fail(pattern: string, pos: number, message: string): never {
  throw new PatternError(`${message} at position ${pos + 1} of "${pattern}"`);
}

function rangeClass(c: string): number {
  if (c >= 'a' && c <= 'z') return 1;
  if (c >= 'A' && c <= 'Z') return 2;
  if (c >= '0' && c <= '9') return 3;
  return 0;
}

/** Tokens of one pattern (without its leading `!`). Throws PatternError. */
function tokenize(p: string): Token[] {
  if (p.length > MAX_PATTERN_LENGTH) {
    throw new PatternError(`pattern is longer than ${MAX_PATTERN_LENGTH} characters`);
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === '\\') {
      if (i + 1 >= p.length) fail(p, i, 'a "\\" escapes nothing');
      tokens.push({ atom: { kind: 'char', code: p.charCodeAt(i + 1) }, rep: '' });
      i += 2;
      continue;
    }
    if ((c === '@' || c === '*' || c === '+' || c === '?' || c === '!') && p[i + 1] === '(') {
      fail(
        p,
        i,
        `extglob "${c}(...)" is not part of GitHub's filter syntax (escape it as "\\${c}\\(" to match it literally)`,
      );
    }
    if (c === '{') {
      const close = p.indexOf('}', i + 1);
      if (close > i) {
        fail(
          p,
          i,
          'braces "{...}" are not part of GitHub\'s filter syntax: write one pattern per alternative (or "\\{" for a literal brace)',
        );
      }
    }
    if (c === '*') {
      if (p[i + 1] === '*') {
        if (p[i + 2] === '/') {
          tokens.push({ atom: { kind: 'globstar-dir' }, rep: '' });
          i += 3;
        } else {
          tokens.push({ atom: { kind: 'globstar' }, rep: '' });
          i += 2;
        }
      } else {
        tokens.push({ atom: { kind: 'star' }, rep: '' });
        i += 1;
      }
      continue;
    }
    if ((c === '?' || c === '+') && tokens.length > 0) {
      const prev = tokens[tokens.length - 1];
      if (prev.atom.kind === 'star' || prev.atom.kind === 'globstar' || prev.atom.kind === 'globstar-dir') {
        fail(p, i, `"${c}" after "*" or "**" repeats nothing (escape it as "\\${c}" to match it literally)`);
      }
      if (prev.rep !== '') fail(p, i, `"${c}" after "${prev.rep}" repeats nothing (escape it as "\\${c}")`);
      prev.rep = c;
      i += 1;
      continue;
    }
    if (c === '[') {
      const start = i;
      i += 1;
      if (p[i] === '!' || p[i] === '^') {
        fail(p, i, `negated sets "[${p[i]}...]" are not part of GitHub's filter syntax`);
      }
      const ranges: number[] = [];
      while (i < p.length && p[i] !== ']') {
        let lo = p[i];
        if (lo === '\\') {
          if (i + 1 >= p.length) fail(p, i, 'a "\\" escapes nothing');
          lo = p[i + 1];
          i += 2;
        } else {
          i += 1;
        }
        if (p[i] === '-' && i + 1 < p.length && p[i + 1] !== ']') {
          let hi = p[i + 1];
          let width = 2;
          if (hi === '\\' && i + 2 < p.length) {
            hi = p[i + 2];
            width = 3;
          }
          const cls = rangeClass(lo);
          if (cls === 0 || cls !== rangeClass(hi) || hi < lo) {
            fail(p, i - 1, `range "${lo}-${hi}" is not within a-z, A-Z or 0-9`);
          }
          ranges.push(lo.charCodeAt(0), hi.charCodeAt(0));
          i += width;
        } else {
          ranges.push(lo.charCodeAt(0), lo.charCodeAt(0));
        }
      }
      if (i >= p.length) fail(p, start, '"[" is never closed (escape it as "\\[" to match it literally)');
      if (ranges.length === 0) fail(p, start, '"[]" lists no character');
      i += 1; // ']'
      tokens.push({ atom: { kind: 'set', ranges }, rep: '' });
      continue;
    }
    tokens.push({ atom: { kind: 'char', code: p.charCodeAt(i) }, rep: '' });
    i += 1;
  }
  return tokens;
}

/** One compiled pattern: a Thompson NFA in flat arrays, simulated with a lazily built DFA on top. */
export class FilterPattern {
  /** Total NFA states visited by every match of every pattern (a work counter for tests and benches). */
  static steps = 0;

  /** Plain text when the pattern has no special character at all (matched by equality), else null. */
  readonly literal: string | null;
  /** The longest literal directory prefix every match starts with ('' when none), for indexing. */
  readonly base: string;

  private readonly kind: number[] = [];
  private readonly arg: number[] = [];
  private readonly out: number[] = [];
  private readonly out2: number[] = [];
  private readonly sets: number[][] = [];
  private start = 0;

  // Lazy DFA: each DFA state is a sorted list of consuming NFA states (+ accept flag).
  private readonly dfaStates: Int32Array[] = [];
  private readonly dfaAccept: boolean[] = [];
  private readonly dfaIndex = new Map<string, number>();
  /** Non-ASCII transitions (code unit → DFA state; -1 dead). */
  private readonly dfaNext: Map<number, number>[] = [];
  /** ASCII transitions, 128 per DFA state: -2 not computed yet, -1 dead, else the next DFA state. */
  private ascii = new Int32Array(0);

  constructor(readonly source: string) {
    const tokens = tokenize(source);
    let lit = '';
    let literal = true;
    for (const t of tokens) {
      if (t.atom.kind !== 'char' || t.rep !== '') {
        literal = false;
        break;
      }
      lit += String.fromCharCode(t.atom.code);
    }
    this.literal = literal ? lit : null;
    const slash = lit.lastIndexOf('/');
    this.base = literal ? lit : slash < 0 ? '' : lit.slice(0, slash);
    this.build(tokens);
  }

  private node(kind: number, arg = 0, out = -1, out2 = -1): number {
    this.kind.push(kind);
    this.arg.push(arg);
    this.out.push(out);
    this.out2.push(out2);
    return this.kind.length - 1;
  }

  /** Builds back to front, so every node's successor already exists. */
  private build(tokens: Token[]): void {
    let next = this.node(ACCEPT);
    for (let t = tokens.length - 1; t >= 0; t--) {
      const { atom, rep } = tokens[t];
      if (atom.kind === 'star' || atom.kind === 'globstar') {
        // split → (consume → split) | next
        const split = this.node(SPLIT, 0, -1, next);
        const eat = this.node(atom.kind === 'star' ? NOT_SLASH : ANY, 0, split);
        this.out[split] = eat;
        next = split;
        continue;
      }
      if (atom.kind === 'globstar-dir') {
        // (.+/)? : split → (any → loop(any | '/')) | next
        const slash = this.node(CHAR, SLASH, next);
        const loop = this.node(SPLIT, 0, -1, slash);
        const eat = this.node(ANY, 0, loop);
        this.out[loop] = eat;
        next = this.node(SPLIT, 0, eat, next);
        continue;
      }
      const consume = (to: number) =>
        atom.kind === 'char' ? this.node(CHAR, atom.code, to) : this.node(SET, this.sets.push(atom.ranges) - 1, to);
      if (rep === '') next = consume(next);
      else if (rep === '?') next = this.node(SPLIT, 0, consume(next), next);
      else {
        const loop = this.node(SPLIT, 0, -1, next);
        const eat = consume(loop);
        this.out[loop] = eat;
        next = eat;
      }
    }
    this.start = next;
  }

  /** Epsilon closure of `from` into `into` (consuming states and ACCEPT), marking with `mark`. */
  private close(from: number, into: number[], seen: Uint32Array, mark: number): void {
    const stack = [from];
    while (stack.length) {
      const s = stack.pop()!;
      if (seen[s] === mark) continue;
      seen[s] = mark;
      FilterPattern.steps++;
      if (this.kind[s] === SPLIT) {
        stack.push(this.out2[s], this.out[s]);
      } else {
        into.push(s);
      }
    }
  }

  private consumes(s: number, c: number): boolean {
    switch (this.kind[s]) {
      case CHAR:
        return this.arg[s] === c;
      case ANY:
        return true;
      case NOT_SLASH:
        return c !== SLASH;
      case SET: {
        const r = this.sets[this.arg[s]];
        for (let k = 0; k < r.length; k += 2) if (c >= r[k] && c <= r[k + 1]) return true;
        return false;
      }
      default:
        return false;
    }
  }

  private seen: Uint32Array | null = null;
  private mark = 0;

  private nextMark(): Uint32Array {
    if (!this.seen) this.seen = new Uint32Array(this.kind.length);
    if (++this.mark === 0xffffffff) {
      this.seen.fill(0);
      this.mark = 1;
    }
    return this.seen;
  }

  /** The DFA state for a set of NFA states (interned up to MAX_DFA_STATES; -1 past the cap). */
  private intern(states: number[]): number {
    states.sort((a, b) => a - b);
    const key = states.join(',');
    const known = this.dfaIndex.get(key);
    if (known !== undefined) return known;
    if (this.dfaStates.length >= MAX_DFA_STATES) return -1;
    const id = this.dfaStates.length;
    this.dfaStates.push(Int32Array.from(states));
    this.dfaAccept.push(states.some((s) => this.kind[s] === ACCEPT));
    this.dfaNext.push(new Map());
    this.dfaIndex.set(key, id);
    const grown = new Int32Array((id + 1) * 128).fill(-2);
    grown.set(this.ascii);
    this.ascii = grown;
    return id;
  }

  private step(current: ArrayLike<number>, c: number): number[] {
    const seen = this.nextMark();
    const mark = this.mark;
    const next: number[] = [];
    for (let k = 0; k < current.length; k++) {
      const s = current[k];
      FilterPattern.steps++;
      if (this.consumes(s, c)) this.close(this.out[s], next, seen, mark);
    }
    return next;
  }

  /** Whole-string match. Linear in `text.length` (times the pattern's state count at worst). */
  test(text: string): boolean {
    if (this.literal !== null) return text === this.literal;
    if (this.dfaStates.length === 0) {
      const first: number[] = [];
      this.close(this.start, first, this.nextMark(), this.mark);
      this.intern(first);
    }
    // Every character costs one table lookup once the DFA knows the transition; a new transition
    // costs one NFA step (bounded by the state count). Counted once per call, off the hot loop.
    FilterPattern.steps += text.length;
    let d = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let next = c < 128 ? this.ascii[d * 128 + c] : (this.dfaNext[d].get(c) ?? -2);
      if (next === -2) {
        const states = this.step(this.dfaStates[d], c);
        if (states.length === 0) next = -1;
        else {
          next = this.intern(states);
          if (next < 0) return this.simulate(states, text, i + 1);
        }
        if (c < 128) this.ascii[d * 128 + c] = next;
        else this.dfaNext[d].set(c, next);
      }
      if (next === -1) return false;
      d = next;
    }
    return this.dfaAccept[d];
  }

  /** Plain NFA simulation from `states` at `text[from]` (used once the DFA cache is full). */
  private simulate(states: number[], text: string, from: number): boolean {
    let current = states;
    for (let i = from; i < text.length; i++) {
      current = this.step(current, text.charCodeAt(i));
      if (current.length === 0) return false;
    }
    return current.some((s) => this.kind[s] === ACCEPT);
  }

  /** DFA states built so far (capped at MAX_DFA_STATES). */
  get dfaSize(): number {
    return this.dfaStates.length;
  }

  /** NFA size (for the linear-work bound in tests). */
  get stateCount(): number {
    return this.kind.length;
  }
}

/** A leading `!` negates; nothing else is stripped (GitHub reads the rest as is). */
export function splitNegation(pattern: string): { body: string; negated: boolean } {
  return pattern.startsWith('!') ? { body: pattern.slice(1), negated: true } : { body: pattern, negated: false };
}

/**
 * Why a list of patterns is not valid GitHub filter syntax, as messages `<field>.<i>: ...`
 * (empty when valid). A list needs at least one positive pattern (GitHub refuses negation-only lists).
 */
export function patternListErrors(field: string, patterns: unknown): string[] {
  if (patterns === undefined || patterns === null) return [];
  if (!Array.isArray(patterns)) return [`${field} must be a list of patterns`];
  const errors: string[] = [];
  let positive = 0;
  patterns.forEach((p, i) => {
    if (typeof p !== 'string' || p.trim() === '') {
      errors.push(`${field}.${i} must be a non-empty pattern`);
      return;
    }
    const { body, negated } = splitNegation(p.trim());
    if (!negated) positive++;
    if (body === '') {
      errors.push(`${field}.${i}: "${p}" negates nothing`);
      return;
    }
    if (negated && body.startsWith('(')) {
      // GitHub would read "!(a|b)" as NOT "(a|b)" with literal parentheses; picomatch users mean an extglob.
      errors.push(
        `${field}.${i}: invalid pattern "${p}": extglob "!(...)" is not part of GitHub's filter syntax ` +
          `(write "!\\(" to exclude a name starting with a literal parenthesis)`,
      );
      return;
    }
    try {
      new FilterPattern(body);
    } catch (err) {
      if (err instanceof PatternError) errors.push(`${field}.${i}: invalid pattern "${p}": ${err.message}`);
      else throw err;
    }
  });
  if (patterns.length > 0 && positive === 0) {
    errors.push(
      `${field} has only negated patterns: add a positive pattern first (e.g. "**"), as GitHub requires at least one`,
    );
  }
  return errors;
}

/**
 * Every filter error of one `triggers.github[i]` (`field` is its path): invalid patterns, negation-only
 * lists, and `branches` with `branchesIgnore` (or `tags` with `tagsIgnore`), which GitHub refuses too.
 */
export function triggerFilterErrors(
  field: string,
  t: { branches?: unknown; branchesIgnore?: unknown; tags?: unknown; tagsIgnore?: unknown; watchFiles?: unknown },
): string[] {
  const errors: string[] = [];
  for (const [a, b] of [
    ['branches', 'branchesIgnore'],
    ['tags', 'tagsIgnore'],
  ] as const) {
    if (t[a] !== undefined && t[a] !== null && t[b] !== undefined && t[b] !== null) {
      errors.push(
        `${field}: use either ${a} or ${b}, not both (as in GitHub Actions; write "!pattern" in ${a} to exclude)`,
      );
    }
  }
  for (const key of ['branches', 'branchesIgnore', 'tags', 'tagsIgnore', 'watchFiles'] as const) {
    errors.push(...patternListErrors(`${field}.${key}`, t[key]));
  }
  return errors;
}

/** A compiled list where the LAST matching pattern decides (GitHub's rule). */
export class PatternList {
  private readonly items: { pattern: FilterPattern; negated: boolean; source: string }[];

  constructor(readonly sources: string[]) {
    this.items = sources.map((s) => {
      const { body, negated } = splitNegation(s.trim());
      return { pattern: new FilterPattern(body), negated, source: s };
    });
  }

  /** The deciding pattern (last match) and whether it includes; null when no pattern matches. */
  decide(text: string): { included: boolean; pattern: string } | null {
    for (let k = this.items.length - 1; k >= 0; k--) {
      const it = this.items[k];
      if (it.pattern.test(text)) return { included: !it.negated, pattern: it.source };
    }
    return null;
  }
}
