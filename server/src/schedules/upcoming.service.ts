import { Injectable } from '@nestjs/common';
import type { UpcomingRun } from '@api-manager/contracts';
import { UPCOMING_HOURS_DEFAULT, UPCOMING_ITEMS_MAX } from '../../../libs/contracts/src/job-overview.js';
import type { UpcomingRunsDto } from './dto/upcoming.dto.js';
import { upcomingRuns } from './upcoming.js';
import { UpcomingStore } from './upcoming.store.js';

/** Future runs of the enabled schedules: the dashboard timeline and the job page's next runs. */
@Injectable()
export class UpcomingService {
  constructor(private readonly store: UpcomingStore) {}

  async window(hours = UPCOMING_HOURS_DEFAULT, now = Date.now()): Promise<UpcomingRunsDto> {
    const to = now + hours * 3_600_000;
    const { items, capped } = await upcomingRuns(await this.store.sources(), now, to, UPCOMING_ITEMS_MAX);
    return {
      from: new Date(now).toISOString(),
      to: new Date(to).toISOString(),
      hours,
      items,
      capped,
      cap: UPCOMING_ITEMS_MAX,
    };
  }

  /** The next `n` runs of one job over all its enabled schedules (none within a year: fewer). */
  async nextOfJob(jobId: string, n: number, now = Date.now()): Promise<UpcomingRun[]> {
    return (await upcomingRuns(await this.store.sources(jobId), now, now + 366 * 86_400_000, n)).items;
  }
}
