import { Injectable } from '@nestjs/common';
import type { Job } from '../jobs/job.entity.js';

/** Adds fields to GET /jobs/:idOrName/status (e.g. schedules fills `nextRun`) without executions importing it. */
export type JobStatusContributor = (job: Job) => Promise<Record<string, unknown>> | Record<string, unknown>;

@Injectable()
export class JobStatusContributors {
  private readonly list: JobStatusContributor[] = [];

  register(contributor: JobStatusContributor): void {
    this.list.push(contributor);
  }

  async collect(job: Job): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const c of this.list) Object.assign(out, await c(job));
    return out;
  }
}
