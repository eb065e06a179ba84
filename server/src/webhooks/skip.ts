/** Markers GitHub Actions honours anywhere in a commit message (any case). */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]'] as const;

/** A git trailer line (`Token: value`), or a continuation line of the previous one. */
const TRAILER_LINE = /^[A-Za-z0-9][A-Za-z0-9-]*:/;
const CONTINUATION = /^[ \t]/;
const SKIP_CHECKS = /^skip-checks: ?true[ \t]*$/i;

/**
 * The skip reason for a head commit message, or null: one of SKIP_MARKERS anywhere in the message
 * (any case), or a `skip-checks: true` (or `skip-checks:true`) trailer. As GitHub documents, the
 * trailer counts only in the trailer block at the end of the message — the last paragraph, after
 * the subject and a blank line, made of trailer lines only (git's trailer rules) — and it must be
 * the last trailer of that block. Anywhere else (the subject, the body, followed by other trailers)
 * it is just text.
 */
export function detectSkip(message: string | null | undefined): string | null {
  if (!message) return null;
  const lower = message.toLowerCase();
  for (const marker of SKIP_MARKERS) if (lower.includes(marker)) return marker;
  const paragraphs = message
    .replace(/\r\n?/g, '\n')
    .trimEnd()
    .split(/\n[ \t]*\n/);
  if (paragraphs.length < 2) return null;
  const lines = paragraphs[paragraphs.length - 1].split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0 || !TRAILER_LINE.test(lines[0])) return null;
  if (!lines.every((l) => TRAILER_LINE.test(l) || CONTINUATION.test(l))) return null;
  return SKIP_CHECKS.test(lines[lines.length - 1]) ? 'skip-checks: true' : null;
}
