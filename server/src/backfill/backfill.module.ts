import { Module } from '@nestjs/common';
import { ExecutionsModule } from '../executions/executions.module.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { BackfillController } from './backfill.controller.js';
import { BackfillService } from './backfill.service.js';
import { BackfillStore } from './backfill.store.js';

/** POST /api/v1/backfills (+ /preview): a job over a date range × key lists, optionally only what is missing. */
@Module({
  imports: [JobsModule, ExecutionsModule],
  controllers: [BackfillController],
  providers: [BackfillService, BackfillStore],
})
export class BackfillModule {}
