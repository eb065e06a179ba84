import { maskText, secretPatterns } from '../common/secret-forms.js';

/**
 * Replaces every secret value in strings (and deep inside JSON values) by '***', in every form a
 * target may echo it (URL-encoded, JSON-escaped, base64, hex: see `secretForms`).
 */
export class Masker {
  private readonly patterns: string[];

  constructor(secrets: readonly string[] = []) {
    // Very short values would mask noise (secretForms skips values under 3 characters).
    this.patterns = secretPatterns(secrets.filter((s) => typeof s === 'string'));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  text(s: string): string;
  text(s: string | null | undefined): string | null | undefined;
  text(s: string | null | undefined): string | null | undefined {
    if (s == null || this.patterns.length === 0) return s;
    return maskText(s, this.patterns);
  }

  value<T>(v: T): T {
    if (this.patterns.length === 0) return v;
    if (typeof v === 'string') return this.text(v) as T;
    if (Array.isArray(v)) return v.map((x) => this.value(x)) as T;
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[this.text(k)] = this.value(x);
      return out as T;
    }
    return v;
  }
}
