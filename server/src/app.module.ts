import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { BackfillModule } from './backfill/backfill.module.js';
import { type Clock, ClockModule } from './common/clock.js';
import { DatabaseUnavailableFilter } from './common/database-unavailable.filter.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ConfigAsCodeModule } from './config-as-code/config-as-code.module.js';
import { DatabaseModule } from './database/database.module.js';
import { dataSourceOptions } from './database/data-source-options.js';
import { ExecutionsModule } from './executions/executions.module.js';
import { HealthModule } from './health/health.module.js';
import { JobOverviewModule } from './job-overview/job-overview.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import { PipelinesModule } from './pipelines/pipelines.module.js';
import { SchedulesModule } from './schedules/schedules.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

export interface AppModuleOptions {
  config: AppConfig;
  /** Resolved database URL (DATABASE_URL, or the embedded Postgres'). */
  databaseUrl: string;
  /** The clock of the schedule ticker and schedule definitions (default: the system clock; tests drive their own). */
  clock?: Clock;
}

@Module({})
export class AppModule {
  static forRoot({ config, databaseUrl, clock }: AppModuleOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(clock),
        LoggingModule.forRoot(config),
        TypeOrmModule.forRoot({ ...dataSourceOptions(databaseUrl, config.DB_POOL_SIZE), retryAttempts: 3 }),
        ScheduleModule.forRoot(),
        DatabaseModule,
        HealthModule,
        AuthModule,
        JobsModule,
        ExecutionsModule,
        BackfillModule,
        SchedulesModule,
        JobOverviewModule,
        WebhooksModule,
        NotificationsModule,
        ConfigAsCodeModule,
        PipelinesModule,
        MetricsModule,
      ],
      providers: [
        // 503 while the database is unreachable; then constraint/format errors as 4xx (DatabaseErrorFilter).
        { provide: APP_FILTER, useClass: DatabaseUnavailableFilter },
        // Deny by default: every route needs credentials unless marked @Public() (auth/access.decorators.ts).
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}
