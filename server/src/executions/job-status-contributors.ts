import { Injectable } from '@nestjs/common';
import type { Job } from '../jobs/job.entity.js';

/**
 * Adds fields to the job status answers (e.g. schedules fills `nextRun`) without executions importing
 * it. Called once per request with every job asked (GET /jobs/-/status asks for many): answer per job id
 * with one set-based query, not one per job.
 */
export type JobStatusContributor = (
  jobs: Job[],
) => Promise<Map<string, Record<string, unknown>>> | Map<string, Record<string, unknown>>;

@Injectable()
export class JobStatusContributors {
  private readonly list: JobStatusContributor[] = [];

  register(contributor: JobStatusContributor): void {
    this.list.push(contributor);
  }

  /** Extra fields per job id (every job of `jobs` has an entry). */
  async collect(jobs: Job[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>(jobs.map((j) => [j.id, {}]));
    const parts = await Promise.all(this.list.map((c) => c(jobs)));
    for (const part of parts) for (const [id, fields] of part) Object.assign(out.get(id) ?? {}, fields);
    return out;
  }
}
