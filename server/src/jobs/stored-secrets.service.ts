import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { type JobMappingsRow, lockJobWrites, selectJobMappings, updateJobMappings } from './jobs.store.js';
import { isSecretInput } from './params/params-resolver.js';
import { SecretMappings } from './params/secret-mappings.js';
import { hasTemplateMarkers } from './templating/template-engine.js';

type Step = JobMappingsRow['on_success'][number];

/**
 * Rows written before chain steps' and triggers' params held sealed secrets may keep them in clear. At
 * start (after the migrations; encryption needs the server's key, which SQL migrations do not have) the
 * values of secret params and `{secret: true, value}` values in those mappings are sealed in place, under
 * the jobs write lock. Idempotent: sealed values are left as they are; replicas starting together are
 * serialized by the lock and the second finds nothing to do.
 */
@Injectable()
export class JobsStoredSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger(JobsStoredSecrets.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mappings: SecretMappings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const n = await this.seal();
    if (n) this.logger.log(`Sealed clear secrets in the chain steps or triggers of ${n} job(s)`);
  }

  /** Seal clear secrets in every job's chain steps and triggers; returns how many jobs changed. */
  async seal(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      await lockJobWrites(m);
      const rows = await selectJobMappings(m);
      const secretsOf = new Map(rows.map((r) => [r.name, (r.params ?? []).filter((p) => p.secret).map((p) => p.name)]));
      let changed = 0;
      for (const r of rows) {
        const errors: string[] = [];
        const sealMap = (params: Record<string, unknown> | undefined, names: string[]) =>
          params && needsSealing(params, names) ? this.mappings.seal(params, names, undefined, '', errors) : params;
        const steps = (list: Step[]) =>
          (list ?? []).map((s) => (s.params ? { ...s, params: sealMap(s.params, secretsOf.get(s.job) ?? []) } : s));
        const own = secretsOf.get(r.name) ?? [];
        const next = {
          on_success: steps(r.on_success),
          on_failure: steps(r.on_failure),
          triggers: Array.isArray(r.triggers?.github)
            ? {
                ...r.triggers,
                github: r.triggers.github.map((t) => (t.params ? { ...t, params: sealMap(t.params, own) } : t)),
              }
            : r.triggers,
        };
        if (errors.length) continue;
        if (
          JSON.stringify(next) ===
          JSON.stringify({ on_success: r.on_success, on_failure: r.on_failure, triggers: r.triggers })
        )
          continue;
        await updateJobMappings(m, r.id, next);
        changed++;
      }
      return changed;
    });
  }
}

/** True when a mapping holds a secret in clear: a plain value of a secret param, or `{secret: true}` with a clear value. */
export function needsSealing(params: Record<string, unknown>, secretNames: readonly string[]): boolean {
  return Object.entries(params).some(([k, v]) =>
    isSecretInput(v)
      ? typeof v.value === 'string' && v.value !== '' && !v.value.startsWith('enc:v1:')
      : secretNames.includes(k) &&
        (typeof v === 'number' || Array.isArray(v) || (typeof v === 'string' && !hasTemplateMarkers(v))),
  );
}
