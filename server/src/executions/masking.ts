/** Replaces every secret value in strings (and deep inside JSON values) by '***'. */
export class Masker {
  private readonly secrets: string[];

  constructor(secrets: readonly string[] = []) {
    // Longest first so a secret containing another is masked whole; very short values would mask noise.
    this.secrets = [...new Set(secrets.filter((s) => typeof s === 'string' && s.length >= 3))].sort(
      (a, b) => b.length - a.length,
    );
  }

  get empty(): boolean {
    return this.secrets.length === 0;
  }

  text(s: string): string;
  text(s: string | null | undefined): string | null | undefined;
  text(s: string | null | undefined): string | null | undefined {
    if (s == null || this.secrets.length === 0) return s;
    let out = s;
    for (const secret of this.secrets) if (out.includes(secret)) out = out.split(secret).join('***');
    return out;
  }

  value<T>(v: T): T {
    if (this.secrets.length === 0) return v;
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
