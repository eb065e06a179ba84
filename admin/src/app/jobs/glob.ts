/**
 * A small glob matcher for the "test these patterns" box of webhook triggers: `**` (any path
 * segments), `*` and `?` (within a segment), `{a,b}` alternatives, `!` to exclude. The server uses
 * picomatch; this follows it for those common forms.
 */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const slash = glob[i + 2] === '/';
        out += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else {
        out += '[^/]*';
      }
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end > i) {
        out += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((part) => part.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      } else {
        out += '\\{';
      }
    } else {
      out += c.replace(/[.+^$()|[\]\\}]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

/** Whether `path` is selected by the patterns: any positive one matches (or there are none) and no `!` one does. */
export function matchesPatterns(patterns: readonly string[], path: string): boolean {
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  const included = positive.length === 0 || positive.some((p) => globToRegExp(p).test(path));
  return included && !negative.some((p) => globToRegExp(p).test(path));
}
