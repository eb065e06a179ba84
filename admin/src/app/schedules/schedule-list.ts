import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import type { Schedule } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { debounceTime, filter } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { SchedulesApi } from '../core/api/schedules-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';

/** All schedules with their next run and last run; pause / resume. Live from `schedule` events. */
@Component({
  selector: 'app-schedule-list',
  imports: [MatButtonModule, MatProgressBarModule, RouterLink, TranslatePipe, ExecStatus, Icon, PageHeader, TimePipe],
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
    @if (schedules.value(); as list) {
      <div class="card table-wrap">
        @if (list.items.length) {
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
              @for (s of list.items; track s.id) {
                <tr [attr.data-id]="s.id" [attr.data-name]="s.name">
                  <td>
                    <a [routerLink]="['/schedules', s.id]">{{ s.name }}</a>
                  </td>
                  <td>{{ s.jobName }}</td>
                  <td>
                    <div>{{ s.description }}</div>
                    <code class="muted">{{
                      s.cron ?? ('schedules.everySeconds' | translate: { n: s.intervalSeconds })
                    }}</code>
                    <span class="muted"> · {{ s.timezone }}</span>
                  </td>
                  <td class="next">{{ s.nextRunAt | appTime: lang() : s.timezone }}</td>
                  <td>
                    @if (s.lastRunAt) {
                      <a [routerLink]="['/executions']" [queryParams]="{ job: s.jobName, trigger: 'schedule' }">{{
                        s.lastRunAt | appTime: lang()
                      }}</a>
                    } @else {
                      <span class="muted">{{ 'schedules.never' | translate }}</span>
                    }
                  </td>
                  <td>
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
    .card {
      padding: 4px 8px;
    }
    .next {
      white-space: nowrap;
      font-weight: 500;
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
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly schedules = rxResource({ stream: () => this.api.list() });
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
