import { DestroyRef, Injectable, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { JobStatus } from '@api-manager/contracts';
import { Subject, bufferTime, catchError, filter, from, map, mergeMap, of } from 'rxjs';

import { LiveEvents } from './events';
import { JobsApi } from './jobs-api';

/**
 * Status of a set of jobs (GET /jobs/:name/status), kept current from the SSE stream: an
 * execution event reloads its job's status (batched), a reconnection reloads them all.
 * Provide it in the component that shows the statuses.
 */
@Injectable()
export class JobStatusStore {
  private readonly api = inject(JobsApi);
  private readonly names = new Set<string>();
  private readonly requests = new Subject<string>();
  private readonly state = signal<ReadonlyMap<string, JobStatus>>(new Map());

  readonly statuses = this.state.asReadonly();
  /** Bumped on every execution event: listeners may reload totals. */
  readonly changes = signal(0);

  constructor() {
    const destroyRef = inject(DestroyRef);
    this.requests
      .pipe(
        mergeMap(
          (name) =>
            this.api.status(name).pipe(
              map((status) => ({ name, status })),
              catchError(() => of(null)),
            ),
          4,
        ),
        takeUntilDestroyed(destroyRef),
      )
      .subscribe((result) => {
        if (result && this.names.has(result.name)) {
          this.state.update((current) => new Map(current).set(result.name, result.status));
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
        const reload = all ? [...this.names] : [...touched].filter((name) => this.names.has(name));
        from(reload).subscribe((name) => this.requests.next(name));
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
      this.requests.next(name);
    }
  }
}
