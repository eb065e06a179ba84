import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { NotificationEvent } from '@api-manager/contracts';
import type { Subscription } from 'rxjs';
import type { DataSource } from 'typeorm';
import { FAILURE_STATUSES, NOTIFIED_STATUSES, statusIn } from '../common/statuses.js';
import { AppConfig } from '../config/app-config.js';
import { EventsService } from '../executions/events.service.js';
import { JobCatalogue } from '../jobs/job-catalogue.service.js';
import { poolOf } from '../database/pg-pool.js';
import { NotificationDispatcher } from './notification-dispatcher.service.js';
import {
  insertExecutionNotifications,
  selectExecutionWithRules,
  selectPreviousNotifiedStatus,
  selectUnrecordedFinishedExecutions,
} from './notifications.store.js';

/** The catch-up scan runs every CATCH_UP_EVERY × NOTIFICATIONS_POLL_MS (1 min by default). */
const CATCH_UP_EVERY = 30;

// FAILURE_STATUSES notify `failure`; `succeeded` notifies `success` or `recovery` (NOTIFIED_STATUSES).
// Cancelled/skipped notify nothing.

/**
 * Records the notifications an execution's final status calls for, as `pending` rows of
 * `execution_notifications` (the dispatcher sends them). It listens to the cross-replica execution
 * events, so executions does not know about notifications, and any live replica records them even
 * when the one that ran the execution died; the unique (execution, channel) makes that idempotent.
 * A periodic catch-up covers events no replica heard.
 */
@Injectable()
export class NotificationRecorder implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationRecorder.name);
  private sub?: Subscription;
  private catchUpTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly events: EventsService,
    private readonly dispatcher: NotificationDispatcher,
    private readonly config: AppConfig,
    private readonly catalogue: JobCatalogue,
  ) {}

  onApplicationBootstrap(): void {
    this.sub = this.events.stream.subscribe((e) => {
      if (e.type !== 'execution') return;
      const d = e.data as { id?: string; status?: string; jobName?: string };
      if (!d.id || !statusIn(d.status, NOTIFIED_STATUSES)) return;
      void this.onFinal(d.id, d.jobName);
    });
    this.catchUpTimer = setInterval(
      () =>
        void this.catchUp().catch((err: Error) => this.logger.error(`Notification catch-up failed: ${err.message}`)),
      this.config.NOTIFICATIONS_POLL_MS * CATCH_UP_EVERY,
    );
    this.catchUpTimer.unref();
  }

  /**
   * Record a final execution's notifications when its job has any. A job missing from a list read less
   * than a second ago may have been given notifications since: it is looked up again once that list
   * expires, so a job that gets notifications just before it runs still notifies (the catch-up scan
   * remains the net for events no replica heard).
   */
  private async onFinal(id: string, jobName: string | undefined, retried = false): Promise<void> {
    try {
      const jobs = await this.notifyingJobs();
      if (jobName === undefined || jobs.has(jobName)) {
        await this.record(id);
        return;
      }
      const age = this.catalogue.notifyingAge();
      if (!retried && age < 1000) setTimeout(() => void this.onFinal(id, jobName, true), 1010 - age).unref();
    } catch (err) {
      this.logger.error(`Recording notifications of execution ${id} failed: ${(err as Error).message}`);
    }
  }

  /**
   * Names of the jobs that have notifications, from the job catalogue: read at most once a second (or
   * after a job changed), so the events of every other job (most of them, under load) cost no query.
   */
  private notifyingJobs(): Promise<Set<string>> {
    return this.catalogue.notifyingJobNames();
  }

  onModuleDestroy(): void {
    this.sub?.unsubscribe();
    clearInterval(this.catchUpTimer);
  }

  /**
   * Safety net for an event no replica heard (e.g. while its LISTEN connection was re-established):
   * executions of jobs with notifications that finished in the last 10 minutes and have none recorded
   * are looked at again. Returns how many notifications that recorded.
   */
  async catchUp(): Promise<number> {
    const rows = await selectUnrecordedFinishedExecutions(poolOf(this.dataSource));
    let recorded = 0;
    for (const r of rows) recorded += await this.record(r.id);
    return recorded;
  }

  /** Insert the pending notifications of a finished execution; returns how many were new. */
  async record(executionId: string): Promise<number> {
    const pool = poolOf(this.dataSource);
    const exec = await selectExecutionWithRules(pool, executionId);
    // Fan-out children are reported through their parent (one notification per run).
    if (!exec || exec.trigger === 'fanout') return 0;
    const failed = statusIn(exec.status, FAILURE_STATUSES);
    if (!failed && exec.status !== 'succeeded') return 0;

    let recovered = false;
    if (!failed && exec.notifications.some((r) => r.on.includes('recovery'))) {
      const prev = await selectPreviousNotifiedStatus(pool, exec.job_id, exec.created_at);
      recovered = !!prev && statusIn(prev.status, FAILURE_STATUSES);
    }
    const wanted: { channel: string; event: NotificationEvent }[] = [];
    for (const r of exec.notifications) {
      const event: NotificationEvent | null = failed
        ? r.on.includes('failure')
          ? 'failure'
          : null
        : recovered && r.on.includes('recovery')
          ? 'recovery'
          : r.on.includes('success')
            ? 'success'
            : null;
      if (event) wanted.push({ channel: r.channel, event });
    }
    if (!wanted.length) return 0;
    // A channel that does not exist is recorded as failed (visible on the execution); disabled ones are skipped.
    const inserted = await insertExecutionNotifications(pool, executionId, wanted);
    if (inserted.some((r) => r.status === 'pending')) this.dispatcher.kick();
    return inserted.length;
  }
}
