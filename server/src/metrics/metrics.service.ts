import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Gauge, register, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';
import { WorkerService } from '../executions/worker.service.js';

// Importing these registers their metrics in the default registry even before the first delivery.
import '../webhooks/webhook-metrics.js';
import './execution-metrics.js';

/** Process metrics (CPU, memory, event loop, GC) once per process, in the default registry. */
function ensureDefaultMetrics(): void {
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
}

interface ClusterRow {
  active: Array<{ job: string; status: string; n: number }>;
  recent: Array<{ job: string; status: string; n: number }>;
  queue_due: number;
  queue_delayed: number;
  queue_oldest_age: number;
  schedule_lag: number;
  schedules_due: number;
}

/**
 * One round trip, every part index-driven: active rows through executions_job_active_idx, the last
 * hour through executions_created_idx, the queue through executions_claim_idx, due schedules through
 * schedules_due_idx.
 */
const CLUSTER_SQL = `
  SELECT
    (SELECT coalesce(json_agg(json_build_object('job', j.name, 'status', a.status, 'n', a.n)), '[]')
       FROM (SELECT job_id, status, count(*)::int AS n FROM executions
              WHERE status IN ('queued', 'running') GROUP BY job_id, status) a
       JOIN jobs j ON j.id = a.job_id) AS active,
    (SELECT coalesce(json_agg(json_build_object('job', r.job_name, 'status', r.status, 'n', r.n)), '[]')
       FROM (SELECT job_name, status, count(*)::int AS n FROM executions
              WHERE created_at > now() - interval '1 hour' GROUP BY job_name, status) r) AS recent,
    q.due AS queue_due, q.delayed AS queue_delayed,
    coalesce(greatest(extract(epoch FROM now() - q.oldest), 0), 0)::float8 AS queue_oldest_age,
    coalesce(greatest(extract(epoch FROM now() - s.oldest), 0), 0)::float8 AS schedule_lag,
    s.due AS schedules_due
  FROM (SELECT count(*) FILTER (WHERE run_at <= now())::int AS due,
               count(*) FILTER (WHERE run_at > now())::int AS delayed,
               min(run_at) FILTER (WHERE run_at <= now()) AS oldest
          FROM executions WHERE status = 'queued') q,
       (SELECT min(next_run_at) AS oldest, count(*)::int AS due
          FROM schedules WHERE enabled AND next_run_at <= now()) s`;

/**
 * Prometheus exposition. Cluster-wide gauges are read from Postgres at scrape time (any replica
 * answers the same); process metrics, execution durations and webhook counters are per process.
 */
@Injectable()
export class MetricsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsService.name);
  /** Gauges of this application (DB-derived), kept apart from the process-wide default registry. */
  private readonly registry = new Registry();
  private server: http.Server | null = null;

  private readonly active = this.gauge('apm_executions_active', 'Queued or running executions now, by job and status', [
    'job',
    'status',
  ]);
  private readonly recent = this.gauge(
    'apm_executions_last_hour',
    'Executions created in the last hour, by job and current status',
    ['job', 'status'],
  );
  private readonly queueDepth = this.gauge('apm_queue_depth', 'Queued executions due now (waiting for a worker)');
  private readonly queueDelayed = this.gauge(
    'apm_queue_delayed',
    'Queued executions waiting for a later run_at (retries)',
  );
  private readonly queueAge = this.gauge(
    'apm_queue_oldest_age_seconds',
    'Age of the oldest due queued execution (0 when none waits)',
  );
  private readonly scheduleLag = this.gauge(
    'apm_schedule_lag_seconds',
    'now - the earliest next_run_at of enabled schedules that are due (0 when none is late)',
  );
  private readonly schedulesDue = this.gauge('apm_schedules_due', 'Enabled schedules whose next_run_at has passed');
  private readonly workerRunning = this.gauge('apm_worker_running', 'Executions running in this process');
  private readonly workerConcurrency = this.gauge('apm_worker_concurrency', 'WORKER_CONCURRENCY of this process');
  private readonly workerUtilisation = this.gauge(
    'apm_worker_utilisation_ratio',
    'Running executions / WORKER_CONCURRENCY in this process (0 when workers are off)',
  );

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly workers: WorkerService,
  ) {
    ensureDefaultMetrics();
  }

  private gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }

  get contentType(): string {
    return register.contentType;
  }

  /** The whole exposition text: DB-derived gauges (one query), then the process-wide registry. */
  async render(): Promise<string> {
    await this.refresh();
    const [own, global] = await Promise.all([this.registry.metrics(), register.metrics()]);
    return `${own}\n${global}`;
  }

  private async refresh(): Promise<void> {
    const { rows } = await poolOf(this.dataSource).query<ClusterRow>(CLUSTER_SQL);
    const r = rows[0]!;
    this.active.reset();
    for (const { job, status, n } of r.active) this.active.set({ job, status }, n);
    this.recent.reset();
    for (const { job, status, n } of r.recent) this.recent.set({ job, status }, n);
    this.queueDepth.set(r.queue_due);
    this.queueDelayed.set(r.queue_delayed);
    this.queueAge.set(r.queue_oldest_age);
    this.scheduleLag.set(r.schedule_lag);
    this.schedulesDue.set(r.schedules_due);
    const concurrency = this.config.WORKERS_ENABLED ? this.config.WORKER_CONCURRENCY : 0;
    const running = this.workers.active;
    this.workerRunning.set(running);
    this.workerConcurrency.set(concurrency);
    this.workerUtilisation.set(concurrency > 0 ? running / concurrency : 0);
  }

  /** METRICS_PORT: a plain listener of its own (GET /metrics), for scrapers on a private interface. */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.METRICS_PORT;
    if (!this.config.METRICS_ENABLED || port === undefined) return;
    const server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (req.method !== 'GET' || path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: GET /metrics\n');
        return;
      }
      this.render().then(
        (text) => res.writeHead(200, { 'content-type': this.contentType }).end(text),
        (err: Error) => {
          this.logger.warn(`Metrics scrape failed: ${err.message}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.METRICS_HOST, () => resolve());
    });
    this.server = server;
    const { port: bound } = server.address() as AddressInfo;
    this.logger.log(`Metrics on http://${this.config.METRICS_HOST}:${bound}/metrics`);
  }

  /** Port the separate metrics listener is bound to (METRICS_PORT=0 picks a free one). */
  get metricsPort(): number | null {
    return this.server ? (this.server.address() as AddressInfo).port : null;
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
