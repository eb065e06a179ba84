/**
 * Python's fnmatch, ported for tests: CPython Lib/fnmatch.py, `translate()` (the 3.x algorithm
 * before the 3.9 rewrite that only changed how `*` runs are compiled, not what they match) and
 * `fnmatchcase()`. https://github.com/python/cpython/blob/3.8/Lib/fnmatch.py
 *
 * - `*` → `.*` and `?` → `.` (both also match `/`: fnmatch knows no directories);
 * - `[...]` a class: `!` first negates, `]` first is a member, a `[` without a closing `]` is literal;
 *   no backslash escapes (a `\` inside a class is a member);
 * - everything else literal; the whole string must match (`(?s:...)\Z`).
 * ToyCI (NorihiroTanaka/ToyCITool, src/core/job_matcher.py) called `fnmatch.fnmatch(file, pattern)`,
 * which on POSIX is `fnmatchcase` (os.path.normcase does nothing there).
 */
export function fnmatchTranslate(pat: string): string {
  let i = 0;
  const n = pat.length;
  let res = '';
  while (i < n) {
    const c = pat[i];
    i += 1;
    if (c === '*') res += '.*';
    else if (c === '?') res += '.';
    else if (c === '[') {
      let j = i;
      if (j < n && pat[j] === '!') j += 1;
      if (j < n && pat[j] === ']') j += 1;
      while (j < n && pat[j] !== ']') j += 1;
      if (j >= n) res += '\\[';
      else {
        let stuff = pat.slice(i, j).replace(/\\/g, '\\\\');
        i = j + 1;
        if (stuff[0] === '!') stuff = '^' + stuff.slice(1);
        else if (stuff[0] === '^') stuff = '\\' + stuff;
        // (JS only) `[` and `]` inside a class are members in Python; escape them for JS's parser
        const neg = stuff.startsWith('^') ? '^' : '';
        res += `[${neg}${stuff.slice(neg.length).replace(/[[\]]/g, '\\$&')}]`;
      }
    } else res += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return `^(?:${res})$`;
}

/** fnmatch.fnmatchcase(name, pat); a pattern Python would reject (bad range) matches nothing. */
export function fnmatchcase(name: string, pat: string): boolean {
  let re: RegExp;
  try {
    re = new RegExp(fnmatchTranslate(pat), 's');
  } catch {
    return false;
  }
  return re.test(name);
}
