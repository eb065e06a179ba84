import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { WebhookJobMatch } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';

/** Per job: matched or not, why, and per trigger the files (and patterns) that decided. */
@Component({
  selector: 'app-match-explanation',
  imports: [RouterLink, TranslatePipe],
  template: `
    @if (!matches().length) {
      <p class="muted">{{ 'webhooks.noJobs' | translate }}</p>
    }
    <ul class="matches">
      @for (m of matches(); track m.jobId) {
        <li [class.hit]="m.matched" [attr.data-job]="m.jobName" [attr.data-matched]="m.matched">
          <div class="head">
            <span class="mark" aria-hidden="true">{{ m.matched ? '✓' : '–' }}</span>
            <strong>{{ m.jobName }}</strong>
            <span class="verdict">{{ (m.matched ? 'webhooks.matched' : 'webhooks.notMatched') | translate }}</span>
            @if (m.executionId) {
              <a [routerLink]="['/executions', m.executionId]">{{ 'webhooks.openExecution' | translate }}</a>
            }
          </div>
          <p class="reason">{{ m.reason }}</p>
          @if (m.error) {
            <p class="error-text">{{ m.error }}</p>
          }
          @for (t of m.triggers; track t.trigger) {
            <div class="trigger">
              <span class="muted">{{ 'webhooks.trigger' | translate: { n: t.trigger + 1 } }}</span>
              — {{ t.reason }}
              @if (t.matchedFiles.length) {
                <ul class="files">
                  @for (f of t.matchedFiles; track f.file) {
                    <li>
                      <code>{{ f.file }}</code> ← <code>{{ f.pattern }}</code>
                    </li>
                  }
                  @if (t.matchedFileCount > t.matchedFiles.length) {
                    <li class="muted">
                      {{ 'webhooks.moreFiles' | translate: { n: t.matchedFileCount - t.matchedFiles.length } }}
                    </li>
                  }
                </ul>
              }
              @if (t.excludedFiles.length) {
                <ul class="files excluded">
                  @for (f of t.excludedFiles; track f.file) {
                    <li>
                      <code>{{ f.file }}</code> ✗ <code>{{ f.pattern }}</code>
                    </li>
                  }
                </ul>
              }
            </div>
          }
        </li>
      }
    </ul>
  `,
  styles: `
    .matches {
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .matches > li {
      padding: 12px 14px;
      border-left: 4px solid var(--mat-sys-outline-variant);
      border-radius: 4px;
      background: var(--mat-sys-surface-container-low);
    }
    .matches > li + li {
      margin-top: 10px;
    }
    .matches > li.hit {
      border-left-color: var(--app-status-good-fg);
    }
    .head {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 10px;
    }
    .verdict {
      font: var(--mat-sys-label-large);
      color: var(--mat-sys-on-surface-variant);
    }
    .hit .verdict,
    .hit .mark {
      color: var(--app-status-good-fg);
    }
    .reason {
      margin: 4px 0;
    }
    .trigger {
      margin-top: 6px;
      font: var(--mat-sys-body-small);
    }
    .files {
      margin: 4px 0 0;
      padding-left: 20px;
    }
    .muted {
      color: var(--mat-sys-on-surface-variant);
    }
    .error-text {
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class MatchExplanation {
  readonly matches = input.required<WebhookJobMatch[]>();
}
