import { Injectable } from '@nestjs/common';
import type { MaskedSecret } from '@api-manager/contracts';
import { SecretBox, SecretBoxError } from '../../common/secret-box.js';
import { hasTemplateMarkers } from '../templating/template-engine.js';
import { isSecretInput } from './params-resolver.js';

/** A sealed value as stored in a param mapping: `{secret: true, value: 'enc:v1:…'}` (no value: never set). */
export type SealedValue = { secret: true; value?: string };

/**
 * Param mappings given outside a job's own definition — a schedule's `params`, a chain step's
 * `onSuccess/onFailure[].params`, a webhook trigger's `triggers.github[].params` — hold secrets the same
 * way the job does (DESIGN guarantee 5): a value for one of the target job's secret params, or any value
 * given as `{secret: true, value}`, is stored sealed, shown as `{secret: true, set}`, exported as
 * `{secret: true}` and compared by its plain text on config apply. Templates (`{{ … }}`) are not values
 * and stay as they are: what they render from a secret is secret at run time (taint).
 */
@Injectable()
export class SecretMappings {
  constructor(private readonly box: SecretBox) {}

  /**
   * The stored form of `mapping`. `secretNames`: the target job's secret params. `previous`: the stored
   * mapping it replaces (a `{secret: true}` without value keeps the stored value). Errors name `path.key`.
   */
  seal(
    mapping: Record<string, unknown> | null | undefined,
    secretNames: readonly string[],
    previous: Record<string, unknown> | null | undefined,
    path: string,
    errors: string[],
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(mapping ?? {})) {
      const input = this.secretInput(v, secretNames.includes(key));
      if (!input) {
        out[key] = v;
        continue;
      }
      if (input.value === undefined || input.value === null || input.value === '') {
        const prev = previous?.[key];
        out[key] = isSecretInput(prev) && prev.value ? { secret: true, value: prev.value } : { secret: true };
        continue;
      }
      if (typeof input.value !== 'string' && !Array.isArray(input.value)) {
        errors.push(`${path}.${key}.value must be a string (or a list of strings)`);
        continue;
      }
      if (this.box.isEncrypted(input.value)) {
        try {
          this.box.decrypt(input.value);
        } catch (err) {
          errors.push(
            `${path}.${key}.value ${err instanceof SecretBoxError ? 'cannot be decrypted with this server key' : 'is invalid'}`,
          );
        }
        out[key] = { secret: true, value: input.value };
      } else out[key] = { secret: true, value: this.box.encrypt(JSON.stringify(input.value)) };
    }
    return out;
  }

  /** As the API shows it: sealed values are `{secret: true, set}`. */
  mask(mapping: Record<string, unknown> | null | undefined): Record<string, unknown> {
    return this.map(mapping, (v) => ({ secret: true, set: !!v.value }) satisfies MaskedSecret);
  }

  /** As jobs.yaml exports it: sealed values are `{secret: true}` (applying that keeps the stored value). */
  hide(mapping: Record<string, unknown> | null | undefined): Record<string, unknown> {
    return this.map(mapping, () => ({ secret: true }));
  }

  /**
   * For comparing a mapping by value (config apply): sealed values become `{secret: true, value: plain}`,
   * plain values of secret params too; a `{secret: true}` without value reads as `previous`' value.
   * In memory only.
   */
  reveal(
    mapping: Record<string, unknown> | null | undefined,
    secretNames: readonly string[] = [],
    previous?: Record<string, unknown> | null,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(mapping ?? {})) {
      const input = this.secretInput(v, secretNames.includes(key));
      if (!input) out[key] = v;
      else if (input.value === undefined || input.value === null || input.value === '') {
        const prev = previous?.[key];
        out[key] = isSecretInput(prev) ? this.reveal({ [key]: prev })[key] : { secret: true };
      } else out[key] = { secret: true, value: this.plain(input.value) };
    }
    return out;
  }

  /** `v` as a secret input when it is one (`{secret: true, ...}`, or a plain value of a secret param). */
  private secretInput(v: unknown, secretParam: boolean): { secret: true; value?: unknown } | null {
    if (isSecretInput(v)) return v;
    if (!secretParam) return null;
    if (typeof v === 'string' && !hasTemplateMarkers(v)) return { secret: true, value: v };
    if (typeof v === 'number' || typeof v === 'boolean') return { secret: true, value: String(v) };
    if (Array.isArray(v)) return { secret: true, value: v };
    return null;
  }

  /** The plain value (sealed values hold JSON, see `seal`; ParamsResolver.resolve reads them the same way). */
  private plain(value: unknown): unknown {
    if (!this.box.isEncrypted(value)) return value;
    try {
      const text = this.box.decrypt(value);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    } catch {
      return null;
    }
  }

  private map(
    mapping: Record<string, unknown> | null | undefined,
    fn: (v: SealedValue) => unknown,
  ): Record<string, unknown> {
    return Object.fromEntries(
      Object.entries(mapping ?? {}).map(([k, v]) => [k, isSecretInput(v) ? fn(v as SealedValue) : v]),
    );
  }
}
