import { type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { CryptoModule } from '../common/crypto.module.js';
import { JobValidator } from '../jobs/job-validator.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { WebhooksModule } from '../webhooks/webhooks.module.js';
import { ConfigAsCodeController } from './config-as-code.controller.js';
import { ConfigAsCodeService } from './config-as-code.service.js';
import { ConfigExporter } from './config-exporter.js';
import { ConfigPlanner } from './config-planner.js';
import { yamlBody } from './yaml-body.js';

/** jobs.yaml: POST /api/v1/config/apply (?dryRun, ?prune) and GET /api/v1/config/export. */
@Module({
  imports: [JobsModule, SchedulesModule, WebhooksModule, CryptoModule],
  controllers: [ConfigAsCodeController],
  providers: [ConfigAsCodeService, ConfigPlanner, ConfigExporter, JobValidator],
})
export class ConfigAsCodeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(yamlBody()).forRoutes({ path: 'config/apply', method: RequestMethod.POST, version: '1' });
  }
}
