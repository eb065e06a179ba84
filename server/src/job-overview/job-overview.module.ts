import { Module } from '@nestjs/common';
import { JobsModule } from '../jobs/jobs.module.js';
import { SchedulesModule } from '../schedules/schedules.module.js';
import { JobOverviewController } from './job-overview.controller.js';
import { JobOverviewStore } from './job-overview.store.js';

/** The job page's overview (GET /jobs/:idOrName/overview): executions' numbers + schedules' next runs. */
@Module({
  imports: [JobsModule, SchedulesModule],
  controllers: [JobOverviewController],
  providers: [JobOverviewStore],
})
export class JobOverviewModule {}
