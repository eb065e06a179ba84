import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { RouterLink } from '@angular/router';
import type { PipelineRunSummary } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';

import { LanguageService } from '../core/i18n/language';

import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe } from '../shared/format/format';

/** Pipeline runs as a list of cards (status, root job, trigger, start, counts), each linking to its graph. */
@Component({
  selector: 'app-pipeline-run-table',
  imports: [RouterLink, TranslatePipe, ExecStatus, TimePipe],
  template: `
    <ul class="runs" data-testid="pipeline-runs">
      @for (r of runs(); track r.id) {
        <li>
          <a class="run" [routerLink]="['/pipelines', r.id]" [attr.data-run]="r.id">
            <app-exec-status kind="pipeline.status" [status]="r.status" />
            <span class="root">{{ r.rootJobName }}</span>
            <span class="meta"
              >{{ 'executions.trigger.' + r.trigger | translate }} · {{ r.startedAt | appTime: lang() }}</span
            >
            <span class="counts">
              {{ r.counts.total }} {{ 'pipeline.executions' | translate }} —
              {{
                'pipeline.counts'
                  | translate
                    : {
                        succeeded: r.counts.succeeded,
                        failed: r.counts.failed + r.counts.skipped,
                        active: r.counts.queued + r.counts.running,
                        waiting: r.counts.waiting,
                      }
              }}
            </span>
          </a>
        </li>
      }
    </ul>
  `,
  styles: `
    .runs {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 8px;
    }
    .run {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 4px 16px;
      padding: 12px 16px;
      border-radius: 12px;
      background: var(--mat-sys-surface-container-low);
      color: inherit;
      text-decoration: none;
    }
    .run:hover,
    .run:focus-visible {
      background: var(--mat-sys-surface-container-high);
    }
    .root {
      font: var(--mat-sys-title-small);
    }
    .meta,
    .counts {
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .counts {
      flex-basis: 100%;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PipelineRunTable {
  protected readonly lang = inject(LanguageService).language;
  readonly runs = input.required<readonly PipelineRunSummary[]>();
}
