// ToyCI watch_files (Python fnmatch) → watchFiles patterns that never match fewer files.
//
// fnmatch (CPython Lib/fnmatch.py, translate()): the pattern is matched against the WHOLE path;
// `*` is `.*` (it crosses `/`), `?` is any one character (also `/`), `[...]` a character class
// (`!` first negates, `]` first is literal, no backslash escapes), anything else is literal.
// watchFiles use GitHub's filter syntax: `*` stays within a directory, `**` crosses them, `[...]`
// classes; `?` and `+` quantify the preceding character, `!` first negates, braces and extglobs are
// refused. So the output uses only `*`, `**` (as a whole segment), simple `[...]` classes and
// literal characters; a literal that means something there (`? + ! { } ( ) [ ] \ |`) becomes `*`.
//
// With L the literal text before the first wildcard that may cross `/` (a `*`, a `?`, or a class
// that can match `/`) and T the text after the last one, every path fnmatch matches is L + X + T:
//   X without `/`:  Ld + Ls*T              (Ld = L up to its last `/`, Ls = the rest)
//   X with `/`:     Ld + Ls*/**/*T         (or Ld + **/*T when Ls is empty, which covers both)
// A trailing `/**/*` is written `/**`. These patterns are exact for one `*` (`test*` → `test*`,
// `test*/**`) and wider otherwise; `exact` says which.

const SPECIAL = new Set(['?', '+', '!', '{', '}', '(', ')', '[', ']', '\\', '|', '*']);
/** A class body GitHub's syntax reads the same: letters, digits, `_`, `.` and ranges a-z, A-Z, 0-9. */
function safeClass(body) {
  const kind = (c) => (/[a-z]/.test(c) ? 'a' : /[A-Z]/.test(c) ? 'A' : /[0-9]/.test(c) ? '0' : null);
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (body[i + 1] === '-' && i + 2 < body.length) {
      const d = body[i + 2];
      if (!kind(c) || kind(c) !== kind(d) || c > d) return false;
      i += 2;
    } else if (!/[A-Za-z0-9_.]/.test(c)) return false;
  }
  return body.length > 0;
}

/** fnmatch's class body (between `[` and `]`, `!` already removed) as a JS regex class. */
function classRegex(body, negated) {
  const s = body.replace(/\\/g, '\\\\').replace(/[[\]^]/g, '\\$&');
  return new RegExp(`^[${negated ? '^' : ''}${s}]$`, 's');
}

/** The tokens of an fnmatch pattern: literal chars, `*`, `?` and classes, as fnmatch.translate reads them. */
export function fnmatchTokens(pattern) {
  const out = [];
  const p = String(pattern);
  let i = 0;
  while (i < p.length) {
    const c = p[i++];
    if (c === '*') out.push({ kind: 'star' });
    else if (c === '?') out.push({ kind: 'any' });
    else if (c === '[') {
      let j = i;
      if (p[j] === '!') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') j++;
      if (j >= p.length) out.push({ kind: 'lit', ch: '[' });
      else {
        let body = p.slice(i, j);
        const negated = body.startsWith('!');
        if (negated) body = body.slice(1);
        i = j + 1;
        let re;
        try {
          re = classRegex(body, negated);
        } catch {
          re = null; // Python raises for a bad range too: the pattern matches nothing
        }
        out.push({ kind: 'class', body, negated, re });
      }
    } else out.push({ kind: 'lit', ch: c });
  }
  return out;
}

function crosses(t) {
  return t.kind === 'star' || t.kind === 'any' || (t.kind === 'class' && !!t.re && t.re.test('/'));
}

/** One token that cannot match `/`, in GitHub filter syntax; `wide` when it became `*`. */
function plain(t) {
  if (t.kind === 'lit') return SPECIAL.has(t.ch) ? { text: '*', wide: true } : { text: t.ch, wide: false };
  // A class that cannot match `/`: kept when it is a plain list of letters, digits, `_` and `.`.
  if (!t.negated && safeClass(t.body)) return { text: `[${t.body}]`, wide: false };
  return { text: '*', wide: true };
}

function render(tokens) {
  let wide = false;
  const text = tokens
    .map((t) => {
      const r = plain(t);
      wide ||= r.wide;
      return r.text;
    })
    .join('');
  return { text, wide };
}

const DEEP = '\u0000'; // a structural `**` while the pattern is assembled

/** Runs of `*` are one `*` (a `**` appears only where DEEP put it, as a whole segment). */
function tidy(pattern) {
  return pattern
    .replace(/\*{2,}/g, '*')
    .replaceAll(DEEP, '**')
    .replace(/\/\*\*\/\*$/, '/**')
    .replace(/^\*\*\/\*$/, '**');
}

/**
 * The watchFiles patterns for one fnmatch pattern: `{ globs, exact }`. Every path the fnmatch
 * pattern matches is matched by one of `globs`; `exact` = they match no other path.
 */
export function fnmatchToGlobs(pattern) {
  const p = String(pattern).replace(/^\.\//, '');
  const tokens = fnmatchTokens(p);
  if (tokens.some((t) => t.kind === 'class' && !t.re)) return { globs: [], exact: true };
  const first = tokens.findIndex(crosses);
  if (first < 0) {
    const r = render(tokens);
    return { globs: r.text ? [tidy(r.text)] : [], exact: !r.wide };
  }
  let last = tokens.length - 1;
  while (!crosses(tokens[last])) last--;
  const head = tokens.slice(0, first);
  const slash = head.map((t) => t.kind === 'lit' && t.ch === '/').lastIndexOf(true);
  const ld = render(head.slice(0, slash + 1));
  const ls = render(head.slice(slash + 1));
  const tail = render(tokens.slice(last + 1));
  const exact = first === last && tokens[first].kind === 'star' && !ld.wide && !ls.wide && !tail.wide;
  const globs = ls.text
    ? [`${ld.text}${ls.text}*${tail.text}`, `${ld.text}${ls.text}*/${DEEP}/*${tail.text}`]
    : [`${ld.text}${DEEP}/*${tail.text}`];
  return { globs: [...new Set(globs.map(tidy))], exact };
}
