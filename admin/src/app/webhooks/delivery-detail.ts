import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import type { WebhookReplayResponse } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';

import { WebhooksApi } from '../core/api/webhooks-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { JsonTextPipe, TimePipe, apiErrorMessage } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';
import { MatchExplanation } from './match-explanation';

/** One delivery: what came in, which jobs matched and why, the executions it started; replay. */
@Component({
  selector: 'app-delivery-detail',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatProgressBarModule,
    RouterLink,
    TranslatePipe,
    ExecStatus,
    JsonTextPipe,
    MatchExplanation,
    PageHeader,
    TimePipe,
  ],
  template: `
    <nav class="crumbs" [attr.aria-label]="'webhooks.breadcrumb' | translate">
      <a routerLink="/webhooks">{{ 'webhooks.title' | translate }}</a>
    </nav>
    @if (delivery.error(); as error) {
      <app-page-header [heading]="'webhooks.deliveryTitle' | translate" />
      <div class="banner-error" role="alert">{{ errorText(error) }}</div>
    } @else if (delivery.value(); as d) {
      <app-page-header
        [heading]="(d.repository ?? d.provider) + ' · ' + d.event"
        [subtitle]="'webhooks.deliveryLine' | translate: { key: d.deliveryKey, time: (d.createdAt | appTime: lang()) }"
      >
        <app-exec-status kind="webhooks.outcome" [status]="d.outcome" data-testid="delivery-outcome" />
      </app-page-header>

      @if (auth.can('webhooks.replay')) {
        <div class="card replay">
          <mat-checkbox [(ngModel)]="ignoreSkip">{{ 'webhooks.ignoreSkip' | translate }}</mat-checkbox>
          <button matButton="filled" type="button" (click)="replay()" [disabled]="busy()">
            {{ 'webhooks.replayButton' | translate }}
          </button>
          @if (replayed(); as r) {
            <span role="status">
              {{ 'webhooks.replayed' | translate: { jobs: r.triggered_jobs.join(', ') || '—' } }}
              <a [routerLink]="['/webhooks/deliveries', r.delivery_id]">{{ 'webhooks.openReplay' | translate }}</a>
            </span>
          }
          @if (replayError()) {
            <span class="error-text" role="alert">{{ replayError() }}</span>
          }
        </div>
      }

      <div class="cards">
        <section class="card" aria-labelledby="d-sum">
          <h2 id="d-sum">{{ 'webhooks.summary' | translate }}</h2>
          <dl class="kv">
            <dt>{{ 'webhooks.provider' | translate }}</dt>
            <dd>{{ d.provider }}</dd>
            <dt>{{ 'webhooks.ref' | translate }}</dt>
            <dd>{{ d.ref ?? '—' }}</dd>
            @if (d.headCommit; as c) {
              <dt>{{ 'webhooks.headCommit' | translate }}</dt>
              <dd>
                <code>{{ c.id.slice(0, 10) }}</code> {{ c.message }}
                @if (c.author) {
                  <span class="muted">— {{ c.author }}</span>
                }
              </dd>
            }
            @if (d.skipReason) {
              <dt>{{ 'webhooks.skipped' | translate }}</dt>
              <dd>{{ d.skipReason }}</dd>
            }
            @if (d.untrustedReason) {
              <dt>{{ 'webhooks.rejected' | translate }}</dt>
              <dd class="error-text">{{ d.untrustedReason }}</dd>
            }
            @if (d.repoConfig; as rc) {
              <dt>{{ 'webhooks.repoConfig' | translate }}</dt>
              <dd data-testid="delivery-repo-config">
                {{ rc.file ?? ('webhooks.repoConfigNone' | translate) }} &#64; <code>{{ rc.commit.slice(0, 12) }}</code>
                @if (rc.error) {
                  <div class="error-text">{{ rc.error }}</div>
                } @else if (rc.jobs.length) {
                  <div class="muted">{{ rc.jobs.join(', ') }}</div>
                }
              </dd>
            }
            <dt>{{ 'webhooks.responseCode' | translate }}</dt>
            <dd>{{ d.responseCode }}</dd>
            @if (d.duplicateCount) {
              <dt>{{ 'webhooks.duplicates' | translate }}</dt>
              <dd>{{ d.duplicateCount }}</dd>
            }
            @if (d.replayOf) {
              <dt>{{ 'webhooks.replayOf' | translate }}</dt>
              <dd>
                <a [routerLink]="['/webhooks/deliveries', d.replayOf]">{{ d.replayOf }}</a>
              </dd>
            }
            @if (d.actor) {
              <dt>{{ 'webhooks.actor' | translate }}</dt>
              <dd>{{ d.actor }}</dd>
            }
          </dl>
          @if (d.executions.length) {
            <h3>{{ 'webhooks.executions' | translate }}</h3>
            <ul class="plain" data-testid="delivery-executions">
              @for (x of d.executions; track x.id) {
                <li>
                  <a [routerLink]="['/executions', x.id]">{{ x.jobName }}</a>
                  <app-exec-status [status]="x.status" />
                </li>
              }
            </ul>
          }
          @if (d.replays.length) {
            <h3>{{ 'webhooks.replays' | translate }}</h3>
            <ul class="plain">
              @for (r of d.replays; track r) {
                <li>
                  <a [routerLink]="['/webhooks/deliveries', r]">{{ r }}</a>
                </li>
              }
            </ul>
          }
        </section>
        <section class="card" aria-labelledby="d-files">
          <h2 id="d-files">{{ 'webhooks.changedFilesCount' | translate: { n: d.changedFileCount } }}</h2>
          @if (d.changedFiles.length) {
            <pre class="code">{{ d.changedFiles.join('\\n') }}</pre>
          } @else {
            <p class="muted">—</p>
          }
        </section>
      </div>

      <section class="card" aria-labelledby="d-match" data-testid="delivery-matches">
        <h2 id="d-match">{{ 'webhooks.perJob' | translate }}</h2>
        <app-match-explanation [matches]="d.matches" />
      </section>

      <div class="cards">
        <section class="card" aria-labelledby="d-headers">
          <h2 id="d-headers">{{ 'webhooks.headers' | translate }}</h2>
          <pre class="code">{{ d.headers | appJson }}</pre>
        </section>
        <section class="card" aria-labelledby="d-resp">
          <h2 id="d-resp">{{ 'webhooks.answer' | translate }}</h2>
          <pre class="code">{{ d.response | appJson }}</pre>
        </section>
      </div>
    } @else {
      <app-page-header [heading]="'webhooks.deliveryTitle' | translate" />
      <mat-progress-bar mode="indeterminate" [attr.aria-label]="'common.loading' | translate" />
    }
  `,
  styles: `
    @use '../shared/ui';
    .crumbs {
      margin-bottom: 8px;
      font: var(--mat-sys-label-large);
    }
    .replay {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 16px;
      padding: 12px 20px;
    }
    h3 {
      margin: 16px 0 8px;
      font: var(--mat-sys-title-small);
    }
    .plain {
      margin: 0;
      padding-left: 18px;
      li + li {
        margin-top: 6px;
      }
    }
    .plain app-exec-status {
      margin-left: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DeliveryDetailPage {
  private readonly api = inject(WebhooksApi);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;

  readonly id = input.required<string>();
  protected readonly delivery = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.delivery(params),
  });
  protected readonly ignoreSkip = signal(false);
  protected readonly busy = signal(false);
  protected readonly replayed = signal<WebhookReplayResponse | null>(null);
  protected readonly replayError = signal<string | null>(null);

  protected replay(): void {
    this.busy.set(true);
    this.replayError.set(null);
    this.api.replay(this.id(), { ignoreSkip: this.ignoreSkip() }).subscribe({
      next: (answer) => {
        this.busy.set(false);
        this.replayed.set(answer);
        this.delivery.reload();
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.replayError.set(apiErrorMessage(error));
      },
    });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }
}
