import { ChangeDetectionStrategy, Component, computed, effect, inject } from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import type { JobStatus, JobView } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';

import { LiveEvents } from '../core/api/events';
import { JobStatusStore } from '../core/api/job-status-store';
import { JobsApi } from '../core/api/jobs-api';
import { LanguageService } from '../core/i18n/language';
import { RunStatus } from '../jobs/run-status';
import { formatDuration, formatTime } from '../jobs/time';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';
import { readinessResource } from '../shared/readiness/readiness';
import { StatusBadge } from '../shared/status-badge/status-badge';

interface JobRow {
  job: JobView;
  status: JobStatus | undefined;
  /** Succeeded share of the finished runs in the last 24 h, in %; null without runs. */
  successRate: number | null;
}

interface Group {
  name: string | null;
  rows: JobRow[];
}

/** The landing page: readiness, totals and every job by group, kept live from the event stream. */
@Component({
  selector: 'app-dashboard',
  imports: [
    MatButtonModule,
    MatCardModule,
    MatProgressBarModule,
    RouterLink,
    TranslatePipe,
    Icon,
    PageHeader,
    RunStatus,
    StatusBadge,
  ],
  providers: [JobStatusStore],
  templateUrl: './dashboard.html',
  styleUrl: './dashboard.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Dashboard {
  private readonly api = inject(JobsApi);
  private readonly store = inject(JobStatusStore);
  private readonly languageService = inject(LanguageService);

  protected readonly readiness = readinessResource();
  private readonly events = inject(LiveEvents);
  protected readonly live = this.events.connection;
  protected readonly jobs = rxResource({ stream: () => this.api.list() });

  protected readonly groups = computed<Group[]>(() => {
    const statuses = this.store.statuses();
    const byGroup = new Map<string | null, JobRow[]>();
    for (const job of this.jobs.hasValue() ? this.jobs.value().items : []) {
      const status = statuses.get(job.name);
      const counts = status?.last24h;
      const finished = counts ? counts.succeeded + counts.failed : 0;
      const row: JobRow = {
        job,
        status,
        successRate: counts && finished ? Math.round((100 * counts.succeeded) / finished) : null,
      };
      const list = byGroup.get(job.group) ?? [];
      list.push(row);
      byGroup.set(job.group, list);
    }
    return [...byGroup.entries()]
      .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
      .map(([name, rows]) => ({ name, rows }));
  });

  protected readonly totals = computed(() => {
    let queued = 0;
    let running = 0;
    let failed = 0;
    let succeeded = 0;
    for (const status of this.store.statuses().values()) {
      queued += status.queued;
      running += status.running;
      failed += status.last24h.failed;
      succeeded += status.last24h.succeeded;
    }
    return { queued, running, failed, succeeded };
  });

  constructor() {
    effect(() => {
      if (this.jobs.hasValue()) {
        this.store.track(this.jobs.value().items.map((job) => job.name));
      }
    });
    // A run of a job not shown yet (created elsewhere): reload the list.
    this.events
      .on('execution')
      .pipe(takeUntilDestroyed())
      .subscribe((event) => {
        const known = this.jobs.hasValue() && this.jobs.value().items.some((job) => job.name === event.jobName);
        if (!known && !this.jobs.isLoading()) {
          this.jobs.reload();
        }
      });
  }

  protected time(value: string | null | undefined): string {
    return formatTime(value, this.languageService.language());
  }

  protected duration(ms: number | null | undefined): string {
    return formatDuration(ms);
  }
}
