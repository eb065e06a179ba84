import type { Job } from '../jobs/job.entity.js';

export interface EffectiveConcurrency {
  overlap: 'queue' | 'skip' | 'allow';
  /** Running executions of the job at once across all replicas; null = unlimited. */
  max: number | null;
  /** Children of one fan-out running at once. */
  fanOutParallelism: number;
}

/** The job's concurrency policy with the defaults of libs/contracts jobs.ts applied. */
export function concurrencyOf(job: Pick<Job, 'concurrency'>): EffectiveConcurrency {
  const c = job.concurrency ?? {};
  const rawMax = typeof c.max === 'number' && c.max > 0 ? Math.floor(c.max) : null;
  const overlap =
    c.overlap === 'queue' || c.overlap === 'skip' || c.overlap === 'allow' ? c.overlap : rawMax ? 'queue' : 'allow';
  const max = rawMax ?? (overlap === 'allow' ? null : 1);
  const par = typeof c.fanOutParallelism === 'number' && c.fanOutParallelism > 0 ? Math.floor(c.fanOutParallelism) : 4;
  return { overlap, max, fanOutParallelism: par };
}
