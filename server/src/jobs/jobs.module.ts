import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CryptoModule } from '../common/crypto.module.js';
import { CapabilitiesController } from './capabilities.controller.js';
import { Job } from './job.entity.js';
import { JobsController } from './jobs.controller.js';
import { JobCatalogue } from './job-catalogue.service.js';
import { JobsService } from './jobs.service.js';
import { JobsStore } from './jobs.store.js';
import { JobValidator } from './job-validator.js';
import { ParamsResolver } from './params/params-resolver.js';
import { SecretMappings } from './params/secret-mappings.js';
import { RequestRenderer } from './render/request-renderer.js';
import { JobsStoredSecrets } from './stored-secrets.service.js';
import { TemplateEngine } from './templating/template-engine.js';

@Module({
  imports: [TypeOrmModule.forFeature([Job]), CryptoModule],
  controllers: [JobsController, CapabilitiesController],
  providers: [
    JobsStore,
    JobCatalogue,
    JobsService,
    JobValidator,
    TemplateEngine,
    ParamsResolver,
    SecretMappings,
    RequestRenderer,
    JobsStoredSecrets,
  ],
  exports: [JobsService, JobCatalogue, TemplateEngine, ParamsResolver, SecretMappings, RequestRenderer, CryptoModule],
})
export class JobsModule {}
