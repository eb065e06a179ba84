/**
 * The forms a secret value takes when a target echoes it back or a template encodes it: as is,
 * URL-encoded (encodeURIComponent and form encoding), JSON-escaped, base64 / base64url (whole, and the
 * part that stays the same wherever the value sits inside a longer encoded text) and hex. Masking every
 * form keeps an echoed secret out of stored responses and logs (DESIGN guarantee 5).
 */
const MIN_SECRET = 3;
/** Base64 fragments shorter than this would mask ordinary text. */
const MIN_FRAGMENT = 6;

export function secretForms(secret: string): string[] {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET) return [];
  const forms = new Set<string>([secret]);
  forms.add(encodeURIComponent(secret));
  forms.add(new URLSearchParams({ x: secret }).toString().slice(2));
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(
    JSON.stringify(secret)
      .slice(1, -1)
      .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  );
  forms.add(secret.replace(/\//g, '\\/'));
  const bytes = Buffer.from(secret, 'utf8');
  for (const enc of ['base64', 'base64url'] as const) {
    forms.add(bytes.toString(enc));
    forms.add(bytes.toString(enc).replace(/=+$/, ''));
    // Inside a longer text the secret starts at byte offset 0, 1 or 2 of a 3-byte group: the characters
    // that encode only the secret's bits are the same whatever surrounds it.
    for (let k = 0; k < 3; k++) {
      const text = Buffer.concat([Buffer.alloc(k), bytes])
        .toString(enc)
        .replace(/=+$/, '');
      const start = Math.ceil((k * 8) / 6);
      const end = Math.floor(((k + bytes.length) * 8) / 6);
      const core = text.slice(start, end);
      if (core.length >= MIN_FRAGMENT) forms.add(core);
    }
  }
  forms.add(bytes.toString('hex'));
  return [...forms].filter((f) => f.length >= MIN_SECRET);
}

/** Every form of every secret, longest first (so a form containing another is replaced whole). */
export function secretPatterns(secrets: readonly string[]): string[] {
  const all = new Set<string>();
  for (const s of secrets) for (const f of secretForms(s)) all.add(f);
  return [...all].sort((a, b) => b.length - a.length);
}

/** Replace every form of every secret in `text` by `mask`. */
export function maskText(text: string, patterns: readonly string[], mask = '***'): string {
  let out = text;
  for (const p of patterns) if (out.includes(p)) out = out.split(p).join(mask);
  return out;
}
