import { ChangeDetectionStrategy, Component, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { TranslatePipe } from '@ngx-translate/core';

import { PipelinesApi } from '../core/api/pipelines-api';
import { PipelineRunTable } from './pipeline-run-table';

/**
 * "Pipelines" section of a job page: the recent pipeline runs the job took part in.
 * Embed as `<app-job-pipelines [jobName]="job.name" />`.
 */
@Component({
  selector: 'app-job-pipelines',
  imports: [TranslatePipe, PipelineRunTable],
  template: `
    <section class="card" aria-labelledby="job-pipelines-h" data-testid="job-pipelines">
      <h2 id="job-pipelines-h">{{ 'pipeline.jobSection' | translate }}</h2>
      <p class="hint">{{ 'pipeline.jobSectionHint' | translate }}</p>
      @if (runs.value(); as page) {
        @if (page.items.length) {
          <app-pipeline-run-table [runs]="page.items" />
        } @else {
          <p class="hint">{{ 'pipeline.jobSectionEmpty' | translate }}</p>
        }
      }
    </section>
  `,
  styles: `
    .hint {
      color: var(--mat-sys-on-surface-variant);
      font: var(--mat-sys-body-medium);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobPipelines {
  private readonly api = inject(PipelinesApi);
  readonly jobName = input.required<string>();
  protected readonly runs = rxResource({
    params: () => this.jobName(),
    stream: ({ params }) => this.api.list({ job: params, limit: 10 }),
  });
}
