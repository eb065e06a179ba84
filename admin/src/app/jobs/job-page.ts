import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink } from '@angular/router';
import type { DurationPoint, SuccessRate } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

import { JobsApi } from '../core/api/jobs-api';
import { AuthService } from '../core/auth/auth.service';
import { OverviewApi } from '../core/api/overview-api';
import { SchedulesApi } from '../core/api/schedules-api';
import { LanguageService } from '../core/i18n/language';
import { ExecutionList } from '../executions/execution-list';
import { JobPipelines } from '../pipelines/job-pipelines';
import { CronTextPipe } from '../shared/cron-text/cron-text';
import { DurationChart } from '../shared/duration-chart/duration-chart';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { DisplayZone } from '../shared/format/display-zone';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';
import { JobEditor } from './job-editor';

export const JOB_TABS = ['overview', 'runs', 'edit'] as const;
export type JobTab = (typeof JOB_TABS)[number];

/**
 * A job's page (/jobs/:name): tabs Overview (status, success rate, durations, next runs, schedules,
 * triggers, chain), Runs (its history) and Edit (the editor). The tab is in the address (`?tab=runs`).
 */
@Component({
  selector: 'app-job-page',
  imports: [
    CronTextPipe,
    JobPipelines,
    MatButtonModule,
    MatProgressBarModule,
    MatTabsModule,
    RouterLink,
    TranslatePipe,
    DurationChart,
    ExecStatus,
    ExecutionList,
    JobEditor,
    PageHeader,
    TimePipe,
  ],
  templateUrl: './job-page.html',
  styleUrl: './job-page.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobPage {
  private readonly jobsApi = inject(JobsApi);
  private readonly overviewApi = inject(OverviewApi);
  private readonly schedulesApi = inject(SchedulesApi);
  private readonly translate = inject(TranslateService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly zone = inject(DisplayZone).zone;

  /** Route parameter: the job's name. */
  readonly name = input.required<string>();
  /** Query parameter `tab`. */
  readonly tab = input<string>();

  protected readonly tabs = JOB_TABS;
  protected readonly current = computed<JobTab>(() => {
    const t = this.tab();
    return (JOB_TABS as readonly string[]).includes(t ?? '') ? (t as JobTab) : 'overview';
  });

  protected readonly job = rxResource({ params: () => this.name(), stream: ({ params }) => this.jobsApi.get(params) });
  protected readonly auth = inject(AuthService);
  /** A backfill sends each date to a date param: offered only for jobs that have one. */
  protected readonly canBackfill = computed(
    () =>
      this.auth.can('jobs.run') &&
      (this.job.value()?.params ?? []).some((p) => p.type === 'date' || p.type === 'daterange'),
  );
  protected readonly status = rxResource({
    params: () => (this.current() === 'overview' ? this.name() : undefined),
    stream: ({ params }) => this.jobsApi.status(params),
  });
  protected readonly overview = rxResource({
    params: () => (this.current() === 'overview' ? { name: this.name(), zone: this.zone() } : undefined),
    stream: ({ params }) => this.overviewApi.job(params.name, params.zone),
  });
  protected readonly schedules = rxResource({
    params: () => (this.current() === 'overview' ? this.name() : undefined),
    stream: ({ params }) => this.schedulesApi.list(params),
  });

  protected readonly triggers = computed(() => (this.job.hasValue() ? (this.job.value().triggers.github ?? []) : []));

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  protected percent(rate: SuccessRate): string {
    return rate.rate === null ? '—' : `${Math.round(rate.rate * 1000) / 10}%`;
  }

  protected readonly pointLabel = (p: DurationPoint, p50: string, max: string): string =>
    this.translate.instant('jobPage.pointLabel', { day: p.day, runs: p.runs, failed: p.failed, p50, max });
}
