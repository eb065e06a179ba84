import { PatternList, patternListErrors } from '@api-manager/contracts';

/**
 * The "test these patterns" box of webhook triggers uses the server's own matcher (GitHub's filter
 * syntax, libs/contracts/src/filter-pattern.ts): `*`, `**`, `?`/`+` repeat the preceding character,
 * `[]` sets, `\` escapes, `!` excludes, and the LAST matching pattern decides.
 */
export function matchesPatterns(patterns: readonly string[], path: string): boolean {
  if (patterns.length === 0) return true;
  if (patternListErrors('watchFiles', patterns).length > 0) return false;
  return new PatternList([...patterns]).decide(path)?.included === true;
}
