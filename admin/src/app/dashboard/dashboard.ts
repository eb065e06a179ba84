import { ChangeDetectionStrategy, Component, computed, effect, inject } from '@angular/core';
import { rxResource, takeUntilDestroyed, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { DASHBOARD_FAILED_STATUSES } from '@api-manager/contracts';
import type { ExecutionSummary, JobStatus, JobView } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { debounceTime } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { ExecutionsApi } from '../core/api/executions-api';
import { JobStatusStore } from '../core/api/job-status-store';
import { JobsApi } from '../core/api/jobs-api';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { formatDuration, formatTime } from '../jobs/time';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';
import { readinessResource } from '../shared/readiness/readiness';
import { StatusBadge } from '../shared/status-badge/status-badge';
import { UpcomingTimeline } from '../shared/upcoming-timeline/upcoming-timeline';

interface JobRow {
  job: JobView;
  status: JobStatus | undefined;
  /** Succeeded share of the finished runs in the last 24 h, in %; null without runs. */
  successRate: number | null;
  history: History | undefined;
}

/** One bar of the 24 h history: height from the duration, colour and shape from the status. */
interface HistoryBar {
  id: string;
  tone: 'good' | 'bad' | 'active' | 'warn';
  height: number;
  title: string;
}

interface History {
  bars: HistoryBar[];
  runs: number;
  failed: number;
}

const HISTORY_BARS = 30;
const BAD: ReadonlySet<string> = new Set(DASHBOARD_FAILED_STATUSES);

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
    ExecStatus,
    StatusBadge,
    UpcomingTimeline,
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
  private readonly executionsApi = inject(ExecutionsApi);

  protected readonly readiness = readinessResource();
  private readonly events = inject(LiveEvents);
  protected readonly live = this.events.connection;
  protected readonly jobs = rxResource({ stream: () => this.api.list() });

  /** Runs of the last 24 h (not fan-out children), reloaded a second after the events settle. */
  private readonly historyTick = toSignal(toObservable(this.store.changes).pipe(debounceTime(1000)), {
    initialValue: 0,
  });
  private readonly recent = rxResource({
    params: () => ({ tick: this.historyTick() }),
    stream: () =>
      this.executionsApi.list({
        since: new Date(Date.now() - 24 * 3600 * 1000).toISOString(),
        trigger: ['manual', 'api', 'schedule', 'webhook', 'chain', 'retry'],
        limit: 200,
      }),
  });
  private readonly histories = computed(() => {
    const byJob = new Map<string, ExecutionSummary[]>();
    for (const exec of this.recent.hasValue() ? this.recent.value().items : []) {
      const list = byJob.get(exec.jobName) ?? [];
      list.push(exec);
      byJob.set(exec.jobName, list);
    }
    const out = new Map<string, History>();
    for (const [name, list] of byJob) {
      out.set(name, toHistory(list));
    }
    return out;
  });

  protected readonly groups = computed<Group[]>(() => {
    const statuses = this.store.statuses();
    const histories = this.histories();
    const byGroup = new Map<string | null, JobRow[]>();
    for (const job of this.jobs.hasValue() ? this.jobs.value().items : []) {
      const status = statuses.get(job.name);
      const counts = status?.last24h;
      const finished = counts ? counts.succeeded + counts.failed : 0;
      const row: JobRow = {
        job,
        status,
        successRate: counts && finished ? Math.round((100 * counts.succeeded) / finished) : null,
        history: histories.get(job.name),
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

/** Newest first from the API; the bars read left (older) to right (newer). */
function toHistory(newestFirst: ExecutionSummary[]): History {
  const runs = newestFirst.slice(0, HISTORY_BARS).reverse();
  const longest = Math.max(1, ...runs.map((run) => run.durationMs ?? 0));
  return {
    runs: newestFirst.length,
    failed: newestFirst.filter((run) => BAD.has(run.status)).length,
    bars: runs.map((run) => ({
      id: run.id,
      tone:
        run.status === 'succeeded'
          ? 'good'
          : BAD.has(run.status)
            ? 'bad'
            : run.status === 'running' || run.status === 'queued'
              ? 'active'
              : 'warn',
      height: run.durationMs === null ? 30 : Math.round(20 + (80 * run.durationMs) / longest),
      title: `${run.jobName} · ${run.status} · ${formatDuration(run.durationMs)} · ${run.createdAt}`,
    })),
  };
}
