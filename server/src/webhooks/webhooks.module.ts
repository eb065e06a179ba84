import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../common/crypto.module.js';
import { ExecutionsModule } from '../executions/executions.module.js';
import { Job } from '../jobs/job.entity.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { DeliveryRecorder } from './delivery-recorder.service.js';
import { MatcherCache } from './matcher-cache.service.js';
import { ProviderFactory } from './providers/provider-factory.js';
import { RepoConfigService } from './repo-config/repo-config.service.js';
import { WebhookDeliveriesController } from './webhook-deliveries.controller.js';
import { WebhookDeliveriesService } from './webhook-deliveries.service.js';
import { WebhookDelivery } from './webhook-delivery.entity.js';
import { ToyciWebhookController, WebhookReceiverController } from './webhook-receiver.controller.js';
import { WebhookReceiverService } from './webhook-receiver.service.js';
import { WebhookSource } from './webhook-source.entity.js';
import { WebhookSourcesController } from './webhook-sources.controller.js';
import { WebhookSourcesService } from './webhook-sources.service.js';

/** GitHub/GitLab/Gitea push webhooks → executions of the jobs whose watchFiles match. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookSource, WebhookDelivery, Job]),
    CryptoModule,
    JobsModule,
    ExecutionsModule,
  ],
  controllers: [
    WebhookReceiverController,
    ToyciWebhookController,
    WebhookDeliveriesController,
    WebhookSourcesController,
  ],
  providers: [
    ProviderFactory,
    MatcherCache,
    WebhookSourcesService,
    DeliveryRecorder,
    RepoConfigService,
    WebhookReceiverService,
    WebhookDeliveriesService,
  ],
  exports: [WebhookSourcesService],
})
export class WebhooksModule {}
