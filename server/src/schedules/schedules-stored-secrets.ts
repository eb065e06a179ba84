import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { SecretMappings } from '../jobs/params/secret-mappings.js';
import { needsSealing } from '../jobs/stored-secrets.service.js';
import { lockSchedulesWithSecrets, setScheduleParams } from './schedules.store.js';

/**
 * Schedules written before their params held sealed secrets may keep them in clear. At start (after the
 * migrations: encryption needs the server's key) the values of the job's secret params and
 * `{secret: true, value}` values are sealed in place, row-locked. Idempotent.
 */
@Injectable()
export class SchedulesStoredSecrets implements OnApplicationBootstrap {
  private readonly logger = new Logger(SchedulesStoredSecrets.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly mappings: SecretMappings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const n = await this.seal();
    if (n) this.logger.log(`Sealed clear secrets in the params of ${n} schedule(s)`);
  }

  async seal(): Promise<number> {
    return this.dataSource.transaction(async (m) => {
      const rows = await lockSchedulesWithSecrets(m);
      let changed = 0;
      for (const r of rows) {
        const names = r.secret_names ?? [];
        if (!needsSealing(r.params ?? {}, names)) continue;
        const errors: string[] = [];
        const sealed = this.mappings.seal(r.params, names, undefined, 'params', errors);
        if (errors.length) continue;
        await setScheduleParams(m, r.id, sealed);
        changed++;
      }
      return changed;
    });
  }
}
