import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { JOB_STATUS_BATCH_MAX, type JobStatus } from '@api-manager/contracts';
import { Subject, bufferTime, catchError, filter, from, map, mergeMap, of, toArray } from 'rxjs';

import { LiveEvents } from './events';
import { JobsApi } from './jobs-api';

/**
 * Status of a set of jobs, kept current from the SSE stream: an execution event reloads its job's
 * status, a reconnection reloads them all. Loads go in batches (GET /jobs/-/status?names=…, one call
 * for up to JOB_STATUS_BATCH_MAX jobs); a batch that fails (e.g. a job deleted meanwhile: 404) is
 * asked again one job at a time, so the other cards still fill.
 * Provide it in the component that shows the statuses.
 */
@Injectable()
export class JobStatusStore {
  private readonly api = inject(JobsApi);
  private readonly names = new Set<string>();
  private readonly requests = new Subject<readonly string[]>();
  private readonly state = signal<ReadonlyMap<string, JobStatus>>(new Map());

  readonly statuses = this.state.asReadonly();
  /** Bumped on every execution event: listeners may reload totals. */
  readonly changes = signal(0);

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.requests
      .pipe(
        mergeMap((names) => this.load(names), 4),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((statuses) => {
        const tracked = statuses.filter((status) => this.names.has(status.job));
        if (tracked.length) {
          this.state.update((current) => {
            const next = new Map(current);
            for (const status of tracked) next.set(status.job, status);
            return next;
          });
        }
      });

    inject(LiveEvents)
      .events$.pipe(
        bufferTime(300),
        filter((batch) => batch.length > 0),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((batch) => {
        const touched = new Set<string>();
        let all = false;
        for (const event of batch) {
          if (event.type === 'open' || event.type === 'schedule') {
            all = true;
          } else if (event.type === 'execution') {
            touched.add(event.data.jobName);
          }
        }
        this.request(all ? [...this.names] : [...touched].filter((name) => this.names.has(name)));
        if (all || touched.size) {
          this.changes.update((n) => n + 1);
        }
      });
  }

  /** Tracks exactly these jobs and loads their status. */
  track(names: readonly string[]): void {
    this.names.clear();
    for (const name of names) {
      this.names.add(name);
    }
    this.request([...this.names]);
  }

  private request(names: readonly string[]): void {
    for (let i = 0; i < names.length; i += JOB_STATUS_BATCH_MAX) {
      this.requests.next(names.slice(i, i + JOB_STATUS_BATCH_MAX));
    }
  }

  private load(names: readonly string[]) {
    return this.api.statuses(names).pipe(
      map((batch) => batch.items),
      catchError(() =>
        from(names).pipe(
          mergeMap((name) => this.api.status(name).pipe(catchError(() => of(null))), 4),
          filter((status): status is JobStatus => status !== null),
          toArray(),
        ),
      ),
    );
  }
}
