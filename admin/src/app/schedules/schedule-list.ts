import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { RouterLink } from '@angular/router';
import type { ExecutionSummary, Schedule } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { catchError, debounceTime, filter, forkJoin, map, of } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { ExecutionsApi } from '../core/api/executions-api';
import { SchedulesApi } from '../core/api/schedules-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { CronTextPipe } from '../shared/cron-text/cron-text';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';

/** All schedules with their next run and last run; pause / resume. Live from `schedule` events. */
@Component({
  selector: 'app-schedule-list',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatProgressBarModule,
    MatSelectModule,
    RouterLink,
    TranslatePipe,
    CronTextPipe,
    ExecStatus,
    Icon,
    PageHeader,
    TimePipe,
  ],
  template: `
    <app-page-header [heading]="'schedules.title' | translate" [subtitle]="'schedules.subtitle' | translate">
      <button matButton="outlined" type="button" (click)="schedules.reload()">
        <app-icon name="refresh" />
        {{ 'common.refresh' | translate }}
      </button>
      @if (auth.can('schedules.edit')) {
        <a matButton="filled" routerLink="/schedules/new">{{ 'schedules.new' | translate }}</a>
      }
    </app-page-header>
    <div class="progress-slot">
      @if (schedules.isLoading()) {
        <mat-progress-bar mode="indeterminate" [attr.aria-label]="'common.loading' | translate" />
      }
    </div>
    @if (schedules.error(); as error) {
      <div class="banner-error" role="alert">{{ errorText(error) }}</div>
    }
    @if (actionError()) {
      <div class="banner-error" role="alert">{{ actionError() }}</div>
    }
    @if (jobNames().length > 1) {
      <mat-form-field subscriptSizing="dynamic" class="job-filter">
        <mat-label>{{ 'schedules.job' | translate }}</mat-label>
        <mat-select [value]="job()" (selectionChange)="job.set($event.value)">
          <mat-option value="">{{ 'schedules.allJobs' | translate }}</mat-option>
          @for (name of jobNames(); track name) {
            <mat-option [value]="name">{{ name }}</mat-option>
          }
        </mat-select>
      </mat-form-field>
    }
    @if (schedules.value(); as list) {
      <div class="card table-wrap">
        @if (visible().length) {
          <table class="data" data-testid="schedules-table">
            <caption class="cdk-visually-hidden">
              {{
                'schedules.title' | translate
              }}
            </caption>
            <thead>
              <tr>
                <th scope="col">{{ 'schedules.name' | translate }}</th>
                <th scope="col">{{ 'schedules.job' | translate }}</th>
                <th scope="col">{{ 'schedules.when' | translate }}</th>
                <th scope="col">{{ 'schedules.nextRun' | translate }}</th>
                <th scope="col">{{ 'schedules.lastRun' | translate }}</th>
                <th scope="col">{{ 'schedules.state' | translate }}</th>
                <th scope="col">
                  <span class="cdk-visually-hidden">{{ 'schedules.actions' | translate }}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              @for (s of visible(); track s.id) {
                <tr [attr.data-id]="s.id" [attr.data-name]="s.name">
                  <td class="nowrap">
                    <a [routerLink]="['/schedules', s.id]">{{ s.name }}</a>
                  </td>
                  <td class="nowrap" [attr.data-label]="'schedules.job' | translate">
                    <a [routerLink]="['/jobs', s.jobName]">{{ s.jobName }}</a>
                  </td>
                  <td class="when" [attr.data-label]="'schedules.when' | translate">
                    <div data-testid="cron-text">{{ s | cronText }}</div>
                    <code class="muted">{{
                      s.cron ?? ('schedules.everySeconds' | translate: { n: s.intervalSeconds })
                    }}</code>
                    <span class="muted"> · {{ s.timezone }}</span>
                  </td>
                  <td class="next" [attr.data-label]="'schedules.nextRun' | translate">
                    {{ s.nextRunAt | appTime: lang() : s.timezone }}
                  </td>
                  <td class="last" [attr.data-label]="'schedules.lastRun' | translate">
                    @if (lastResults.value()?.get(s.id); as last) {
                      <a [routerLink]="['/executions', last.id]" data-testid="last-run-link">
                        <span class="when">{{ last.createdAt | appTime: lang() }}</span>
                        <app-exec-status [status]="last.status" />
                      </a>
                    } @else if (s.lastRunAt) {
                      <a [routerLink]="['/executions']" [queryParams]="{ job: s.jobName, trigger: 'schedule' }">{{
                        s.lastRunAt | appTime: lang()
                      }}</a>
                    } @else {
                      <span class="muted">{{ 'schedules.never' | translate }}</span>
                    }
                  </td>
                  <td [attr.data-label]="'schedules.state' | translate">
                    <app-exec-status kind="schedules.states" [status]="s.enabled ? 'active' : 'paused'" />
                  </td>
                  <td class="row-actions">
                    @if (auth.can('schedules.pause')) {
                      @if (s.enabled) {
                        <button matButton type="button" (click)="pause(s)" [disabled]="busy() === s.id">
                          {{ 'schedules.pause' | translate }}
                          <span class="cdk-visually-hidden">{{ s.name }}</span>
                        </button>
                      } @else {
                        <button matButton type="button" (click)="resume(s)" [disabled]="busy() === s.id">
                          {{ 'schedules.resume' | translate }}
                          <span class="cdk-visually-hidden">{{ s.name }}</span>
                        </button>
                      }
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        } @else {
          <p class="empty">{{ 'schedules.empty' | translate }}</p>
        }
      </div>
    }
  `,
  styles: `
    @use '../shared/ui';
    @use '../shared/cards';
    @include cards.table-cards;
    td.when {
      min-width: 16em;
    }
    .card {
      padding: 4px 8px;
    }
    .nowrap {
      white-space: nowrap;
    }
    .next {
      white-space: nowrap;
      font-weight: 500;
    }
    .job-filter {
      width: 240px;
      margin-bottom: 16px;
    }
    .last a {
      display: inline-flex;
      flex-direction: column;
      align-items: flex-start;
      gap: 4px;
      text-decoration: none;
    }
    .last a .when {
      text-decoration: underline;
    }
    .row-actions {
      text-align: right;
      white-space: nowrap;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ScheduleList {
  private readonly api = inject(SchedulesApi);
  private readonly executions = inject(ExecutionsApi);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly schedules = rxResource({ stream: () => this.api.list() });
  /** Jobs to list schedules of ('' = all). */
  protected readonly job = signal('');
  protected readonly jobNames = computed(() =>
    [...new Set((this.schedules.value()?.items ?? []).map((s) => s.jobName))].sort(),
  );
  protected readonly visible = computed(() => {
    const items = this.schedules.value()?.items ?? [];
    return this.job() ? items.filter((s) => s.jobName === this.job()) : items;
  });
  /** The newest execution fired by each schedule (from the jobs' latest scheduled runs). */
  protected readonly lastResults = rxResource({
    params: () => ({ jobs: this.jobNames(), version: this.schedules.value() }),
    stream: ({ params }) => {
      if (!params.jobs.length) return of(new Map<string, ExecutionSummary>());
      return forkJoin(
        params.jobs.map((job) =>
          this.executions.list({ job, trigger: ['schedule'], limit: 100 }).pipe(
            map((page) => page.items),
            catchError(() => of([] as ExecutionSummary[])),
          ),
        ),
      ).pipe(
        map((pages) => {
          const last = new Map<string, ExecutionSummary>();
          for (const item of pages.flat()) {
            if (item.scheduleId && !last.has(item.scheduleId)) last.set(item.scheduleId, item);
          }
          return last;
        }),
      );
    },
  });
  protected readonly busy = signal<string | null>(null);
  protected readonly actionError = signal<string | null>(null);

  constructor() {
    inject(LiveEvents)
      .events$.pipe(
        filter((event) => event.type === 'schedule' || event.type === 'open'),
        debounceTime(300),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.schedules.reload());
  }

  protected pause(s: Schedule): void {
    this.toggle(s, this.api.pause(s.id));
  }

  protected resume(s: Schedule): void {
    this.toggle(s, this.api.resume(s.id));
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  private toggle(s: Schedule, request: ReturnType<SchedulesApi['pause']>): void {
    this.busy.set(s.id);
    this.actionError.set(null);
    request.subscribe({
      next: (updated) => {
        this.busy.set(null);
        this.schedules.update((list) =>
          list ? { ...list, items: list.items.map((item) => (item.id === updated.id ? updated : item)) } : list,
        );
      },
      error: (error: unknown) => {
        this.busy.set(null);
        this.actionError.set(apiErrorMessage(error));
      },
    });
  }
}
