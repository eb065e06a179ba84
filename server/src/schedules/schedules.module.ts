import { Module, type OnModuleInit } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExecutionsModule } from '../executions/executions.module.js';
import { JobStatusContributors } from '../executions/job-status-contributors.js';
import { JobsModule } from '../jobs/jobs.module.js';
import { Schedule } from './schedule.entity.js';
import { ScheduleFiring } from './schedule-firing.service.js';
import { ScheduleTicker } from './schedule-ticker.js';
import { SchedulesStoredSecrets } from './schedules-stored-secrets.js';
import { SchedulesController } from './schedules.controller.js';
import { SchedulesService } from './schedules.service.js';
import { UpcomingService } from './upcoming.service.js';
import { UpcomingStore } from './upcoming.store.js';

@Module({
  imports: [TypeOrmModule.forFeature([Schedule]), ExecutionsModule, JobsModule],
  controllers: [SchedulesController],
  providers: [SchedulesService, ScheduleFiring, ScheduleTicker, SchedulesStoredSecrets, UpcomingStore, UpcomingService],
  exports: [SchedulesService, UpcomingService],
})
export class SchedulesModule implements OnModuleInit {
  constructor(
    private readonly contributors: JobStatusContributors,
    private readonly schedules: SchedulesService,
  ) {}

  /** The job status answers gain `nextRun` (the earliest next run of each job's enabled schedules). */
  onModuleInit(): void {
    this.contributors.register(async (jobs) => {
      const next = await this.schedules.nextRunOfJobs(jobs.map((j) => j.id));
      return new Map(jobs.map((j) => [j.id, { nextRun: next.get(j.id)?.toISOString() ?? null }]));
    });
  }
}
