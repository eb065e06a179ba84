import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';

import { LanguageService } from '../core/i18n/language';

import { PipelinesApi } from '../core/api/pipelines-api';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';
import { PipelineGraph } from './pipeline-graph';

/** One pipeline run: its status, counts and the graph of its executions. */
@Component({
  selector: 'app-pipeline-run-page',
  imports: [RouterLink, TranslatePipe, ExecStatus, TimePipe, PageHeader, PipelineGraph],
  template: `
    <p class="back">
      <a routerLink="/pipelines">← {{ 'pipeline.back' | translate }}</a>
    </p>
    @if (run.error(); as err) {
      <p class="error" role="alert">{{ message(err) }}</p>
    }
    @if (run.value(); as r) {
      <app-page-header [heading]="r.rootJobName" [subtitle]="'pipeline.title' | translate">
        <app-exec-status kind="pipeline.status" [status]="r.status" data-testid="pipeline-status" />
      </app-page-header>
      <dl class="facts">
        <div>
          <dt>{{ 'pipeline.root' | translate }}</dt>
          <dd>
            <a [routerLink]="['/executions', r.rootExecutionId]">{{ r.rootJobName }}</a>
          </dd>
        </div>
        <div>
          <dt>{{ 'pipeline.trigger' | translate }}</dt>
          <dd>{{ 'executions.trigger.' + r.trigger | translate }}</dd>
        </div>
        <div>
          <dt>{{ 'pipeline.started' | translate }}</dt>
          <dd>{{ r.startedAt | appTime: lang() }}</dd>
        </div>
        <div>
          <dt>{{ 'pipeline.finished' | translate }}</dt>
          <dd>{{ r.finishedAt ? (r.finishedAt | appTime: lang()) : '—' }}</dd>
        </div>
        <div>
          <dt>{{ 'pipeline.executions' | translate }}</dt>
          <dd data-testid="pipeline-counts">
            {{ r.counts.total }} —
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
          </dd>
        </div>
      </dl>
      <section aria-labelledby="graph-h">
        <h2 id="graph-h">{{ 'pipeline.graph' | translate }}</h2>
        <p class="hint">{{ 'pipeline.graphHint' | translate }}</p>
        <app-pipeline-graph [nodes]="r.nodes" [edges]="r.edges" />
      </section>
    }
  `,
  styles: `
    .back {
      margin: 0 0 8px;
    }
    .error {
      color: var(--mat-sys-error);
    }
    .facts {
      display: flex;
      flex-wrap: wrap;
      gap: 8px 32px;
      margin: 0 0 24px;
    }
    dt {
      font: var(--mat-sys-label-medium);
      color: var(--mat-sys-on-surface-variant);
    }
    dd {
      margin: 0;
    }
    h2 {
      font: var(--mat-sys-title-medium);
      margin: 0 0 4px;
    }
    .hint {
      margin: 0 0 12px;
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-medium);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PipelineRunPage {
  private readonly api = inject(PipelinesApi);
  protected readonly lang = inject(LanguageService).language;
  /** Route parameter (component input binding). */
  readonly id = input.required<string>();
  protected readonly run = rxResource({ params: () => this.id(), stream: ({ params }) => this.api.get(params) });
  protected readonly message = apiErrorMessage;
}
