import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { collectDefaultMetrics, Gauge, register, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';
import { WorkerService } from '../executions/worker.service.js';
import { selectClusterGauges } from './metrics.store.js';

// Importing these registers their metrics in the default registry even before the first delivery.
import '../webhooks/webhook-metrics.js';
import './execution-metrics.js';

/** Process metrics (CPU, memory, event loop, GC) once per process, in the default registry. */
function ensureDefaultMetrics(): void {
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
}

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
    const r = await selectClusterGauges(poolOf(this.dataSource));
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
