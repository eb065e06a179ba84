import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { JobOverview } from '@api-manager/contracts';
import { OVERVIEW_NEXT_RUNS, OVERVIEW_SERIES_DAYS } from '../../../libs/contracts/src/job-overview.js';
import { AppConfig } from '../config/app-config.js';
import { JobsService } from '../jobs/jobs.service.js';
import { UpcomingService } from '../schedules/upcoming.service.js';
import { JobOverviewQueryDto } from './job-overview.dto.js';
import { JobOverviewStore } from './job-overview.store.js';

@ApiTags('jobs')
@Controller({ path: 'jobs', version: '1' })
export class JobOverviewController {
  constructor(
    private readonly jobs: JobsService,
    private readonly store: JobOverviewStore,
    private readonly upcoming: UpcomingService,
    private readonly config: AppConfig,
  ) {}

  @Get(':idOrName/overview')
  @ApiOperation({
    summary:
      `The job page: success rate (7 and 30 days), durations per day (${OVERVIEW_SERIES_DAYS} days, days cut in ` +
      `?timezone=, default DEFAULT_TIMEZONE), the next ${OVERVIEW_NEXT_RUNS} runs, the chain edges in and out`,
  })
  @ApiOkResponse({ description: 'JobOverview (libs/contracts job-overview.ts)' })
  @ApiBadRequestResponse({ description: 'timezone is not an IANA zone' })
  @ApiNotFoundResponse({ description: 'No such job' })
  async overview(@Param('idOrName') idOrName: string, @Query() q: JobOverviewQueryDto): Promise<JobOverview> {
    const job = await this.jobs.get(idOrName);
    const timezone = q.timezone ?? this.config.DEFAULT_TIMEZONE;
    const [successRate, durations, nextRuns, upstream] = await Promise.all([
      this.store.successRates(job.id),
      this.store.durations(job.id, timezone, OVERVIEW_SERIES_DAYS),
      job.enabled ? this.upcoming.nextOfJob(job.id, OVERVIEW_NEXT_RUNS) : Promise.resolve([]),
      this.store.upstream(job.name),
    ]);
    const edges = (steps: { job: string }[] | undefined, on: 'success' | 'failure') =>
      (steps ?? []).map((s) => ({ job: s.job, on }));
    return {
      job: job.name,
      enabled: job.enabled,
      successRate,
      durations,
      timezone,
      nextRuns,
      chain: {
        upstream,
        downstream: [
          ...edges(job.onSuccess as { job: string }[], 'success'),
          ...edges(job.onFailure as { job: string }[], 'failure'),
        ],
      },
    };
  }
}
