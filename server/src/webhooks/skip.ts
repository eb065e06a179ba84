/** Markers GitHub Actions honours in a commit message (any case). */
export const SKIP_MARKERS = ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]'] as const;

const TRAILER = /^skip-checks:\s*true\s*$/im;

/**
 * The skip reason for a head commit message, or null: one of SKIP_MARKERS anywhere in the message
 * (any case), or a `skip-checks: true` trailer in the message's last paragraph.
 */
export function detectSkip(message: string | null | undefined): string | null {
  if (!message) return null;
  const lower = message.toLowerCase();
  for (const marker of SKIP_MARKERS) if (lower.includes(marker)) return marker;
  const paragraphs = message.trimEnd().split(/\r?\n\s*\r?\n/);
  if (paragraphs.length > 1 && TRAILER.test(paragraphs[paragraphs.length - 1])) return 'skip-checks: true';
  return null;
}
