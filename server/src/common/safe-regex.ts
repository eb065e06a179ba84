import { RE2 } from 're2-wasm';

/**
 * Regular expressions on user data run on RE2 (a linear-time engine, compiled to WebAssembly): no pattern can
 * backtrack, so `^(a+)+$` against a long value costs microseconds, not seconds (DESIGN guarantee 7).
 * RE2 has no backreferences nor lookaround; such a pattern is refused where it is saved.
 */
export type SafeRegExp = { test(input: string): boolean };

const cache = new Map<string, SafeRegExp>();
const CACHE_MAX = 500;

/** Compile `source` on RE2 (unicode mode). Throws an Error whose message says why it is not accepted. */
export function compileSafeRegExp(source: string): SafeRegExp {
  const hit = cache.get(source);
  if (hit) return hit;
  const re = new RE2(source, 'u');
  const compiled: SafeRegExp = { test: (input: string) => re.test(input) };
  if (cache.size >= CACHE_MAX) cache.delete(cache.keys().next().value as string);
  cache.set(source, compiled);
  return compiled;
}

/** Why `source` is not an accepted pattern, or null when it is. */
export function safeRegExpError(source: string): string | null {
  try {
    compileSafeRegExp(source);
    return null;
  } catch (err) {
    return (err as Error).message.replace(/^Invalid regular expression: /, '');
  }
}
