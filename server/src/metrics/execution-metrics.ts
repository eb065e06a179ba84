import { Counter, Histogram, register } from 'prom-client';

/**
 * Process-local execution metrics, observed by the replica whose worker ran the attempt (sum them
 * across replicas in Prometheus). Module-level like webhooks/webhook-metrics.ts: registered once in
 * the default registry, whatever the number of applications in the process.
 */
const existing = <T>(name: string) => register.getSingleMetric(name) as T | undefined;

export const attemptDuration =
  existing<Histogram<'job' | 'status'>>('apm_execution_duration_seconds') ??
  new Histogram({
    name: 'apm_execution_duration_seconds',
    help: 'Duration of execution attempts run by this process, by job and attempt outcome',
    labelNames: ['job', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
  });

export const finishedTotal =
  existing<Counter<'job' | 'status'>>('apm_executions_finished_total') ??
  new Counter({
    name: 'apm_executions_finished_total',
    help: 'Executions finished by this process (final status, after retries), by job and status',
    labelNames: ['job', 'status'],
  });

export const retriesTotal =
  existing<Counter<'job'>>('apm_execution_retries_total') ??
  new Counter({
    name: 'apm_execution_retries_total',
    help: 'Failed attempts that were queued again for a retry, by job',
    labelNames: ['job'],
  });

/** Called by the runner once an attempt's result is written. */
export function recordAttempt(job: string, status: string, startedAt: Date | null, retried: boolean): void {
  const seconds = startedAt ? Math.max(0, (Date.now() - startedAt.getTime()) / 1000) : 0;
  attemptDuration.observe({ job, status }, seconds);
  if (retried) retriesTotal.inc({ job });
  else finishedTotal.inc({ job, status });
}
