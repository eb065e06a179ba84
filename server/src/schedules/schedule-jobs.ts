import type { EntityManager } from 'typeorm';
import type { Job } from '../jobs/job.entity.js';
import { type DueRow, loadJobs } from './schedule-firing.store.js';

/**
 * The jobs of due schedules, cached. A job is read again only when its row changed: the row version
 * (`xmin`, new on every UPDATE however it is made) read with the locked schedules is the cache key.
 */
export class ScheduleJobs {
  private readonly cache = new Map<string, { xmin: string; job: Job }>();

  async of(rows: DueRow[], m: EntityManager): Promise<Map<string, Job>> {
    const out = new Map<string, Job>();
    const load = new Set<string>();
    for (const r of rows) {
      if (r.job_xmin === null) continue; // job gone: nothing to fire
      const hit = this.cache.get(r.job_id);
      if (hit && hit.xmin === r.job_xmin) out.set(r.job_id, hit.job);
      else load.add(r.job_id);
    }
    if (load.size) {
      const found = await loadJobs(m, [...load]);
      if (this.cache.size > 10_000) this.cache.clear();
      for (const { job, xmin } of found) {
        out.set(job.id, job);
        this.cache.set(job.id, { xmin, job });
      }
    }
    return out;
  }
}
