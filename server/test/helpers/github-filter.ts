/**
 * A small reference of GitHub Actions' filter pattern syntax (on.push.paths), used by tests to
 * evaluate converted watchFiles independently of the server's matcher:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet
 * - `*` any characters except `/`; `**` any characters including `/` (as a whole segment, `**\/`
 *   also matches no directory and a trailing `/**` also matches the directory itself);
 * - `?` zero or one of the preceding character, `+` one or more of it; `[...]` one listed character
 *   (ranges a-z, A-Z, 0-9); `\` escapes the next character; `!` first negates the pattern;
 * - braces and extglobs are refused (throws), as the server refuses them.
 */
export function githubFilterRegex(pattern: string): { re: RegExp; negated: boolean } {
  let p = pattern;
  const negated = p.startsWith('!');
  if (negated) p = p.slice(1);
  if (/[{}]/.test(p)) throw new Error(`braces are not supported: ${pattern}`);
  if (/[@!+*?]\(/.test(p)) throw new Error(`extglobs are not supported: ${pattern}`);
  const atoms: string[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    const atStart = i === 0 || p[i - 1] === '/';
    if (c === '*' && p[i + 1] === '*') {
      const next = p[i + 2];
      if (atStart && next === '/') {
        atoms.push('(?:.*/)?');
        i += 3;
      } else if (atStart && next === undefined && atoms[atoms.length - 1] === '\\/') {
        atoms.pop(); // the `/` before a trailing `/**`
        atoms.push('(?:/.*)?');
        i += 2;
      } else {
        atoms.push('.*');
        i += 2;
      }
    } else if (c === '*') {
      atoms.push('[^/]*');
      i += 1;
    } else if (c === '?' || c === '+') {
      if (atoms.length === 0) throw new Error(`${c} needs a preceding character: ${pattern}`);
      atoms[atoms.length - 1] = `(?:${atoms[atoms.length - 1]})${c}`;
      i += 1;
    } else if (c === '[') {
      const j = p.indexOf(']', i + 1);
      if (j < 0) throw new Error(`unclosed [: ${pattern}`);
      const body = p.slice(i + 1, j);
      if (!/^[A-Za-z0-9_.-]+$/.test(body)) throw new Error(`unsupported class [${body}]: ${pattern}`);
      atoms.push(`[${body}]`);
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= p.length) throw new Error(`trailing \\: ${pattern}`);
      atoms.push(p[i + 1].replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
      i += 2;
    } else {
      atoms.push(c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'));
      i += 1;
    }
  }
  return { re: new RegExp(`^${atoms.join('')}$`, 's'), negated };
}

/** Whether `file` is watched by `patterns` (the last matching pattern decides; all-negated starts watched). */
export function githubFilterMatch(patterns: string[], file: string): boolean {
  const compiled = patterns.map(githubFilterRegex);
  let watched = compiled.length > 0 && compiled.every((c) => c.negated);
  for (const c of compiled) if (c.re.test(file)) watched = !c.negated;
  return watched;
}
