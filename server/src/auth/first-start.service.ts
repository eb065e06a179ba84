import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { localUrl } from '../logging/log-format.js';
import { hashPassword, randomSecret } from './auth-crypto.js';
import { AuditService, SYSTEM_ACTOR } from './audit.service.js';
import { anyUserExists, insertFirstAdmin, lockFirstStart } from './store/users.store.js';

/** Advisory lock key serialising the first-start check across replicas starting together. */
const FIRST_START_LOCK = 727_106;

/**
 * First start (no users at all): create `admin` with ADMIN_PASSWORD, or with a generated password
 * printed once to the log. Replicas starting together are serialised by an advisory lock and the
 * insert is conditional (no users yet, ON CONFLICT DO NOTHING), so exactly one creates it and only
 * that one prints the password.
 */
@Injectable()
export class FirstStartService implements OnApplicationBootstrap {
  private readonly logger = new Logger(FirstStartService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAdmin();
  }

  /** Returns true when this call created the admin. */
  async ensureAdmin(): Promise<boolean> {
    if (await anyUserExists(this.dataSource.manager)) return false;
    const generated = !this.config.ADMIN_PASSWORD;
    const password = this.config.ADMIN_PASSWORD ?? randomSecret(18);
    const hash = await hashPassword(password);
    const created = await this.dataSource.transaction(async (m) => {
      await lockFirstStart(m, FIRST_START_LOCK);
      const id = await insertFirstAdmin(m, hash);
      if (id === undefined) return false;
      await this.audit.record(
        {
          actor: SYSTEM_ACTOR,
          action: 'user.create',
          targetType: 'user',
          targetId: id,
          after: { username: 'admin', role: 'admin', source: generated ? 'generated' : 'ADMIN_PASSWORD' },
        },
        m,
      );
      return true;
    });
    if (!created) return false;
    if (generated) {
      this.logger.warn(
        [
          '',
          '================================================================',
          ' FIRST START: created user "admin" with the generated password:',
          `     ${password}`,
          ` Sign in at ${localUrl(this.config)}login as admin.`,
          ' It is shown only this once. Sign in and change it (Settings, or',
          ' POST /api/v1/auth/password), or set ADMIN_PASSWORD next time.',
          '================================================================',
        ].join('\n'),
      );
    } else {
      this.logger.log('First start: created user "admin" with the password from ADMIN_PASSWORD');
    }
    return true;
  }
}
