import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import type { PipelineRunSummary } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';

import { PipelinesApi } from '../core/api/pipelines-api';
import { apiErrorMessage } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';
import { PipelineRunTable } from './pipeline-run-table';

/** Recent pipeline runs, newest first, with "load more" (cursor paging). */
@Component({
  selector: 'app-pipeline-run-list',
  imports: [MatButtonModule, TranslatePipe, PageHeader, PipelineRunTable],
  template: `
    <app-page-header [heading]="'pipeline.title' | translate" [subtitle]="'pipeline.subtitle' | translate" />
    @if (error(); as e) {
      <p class="error" role="alert">{{ e }}</p>
    }
    @if (loaded() && !runs().length) {
      <p class="empty" data-testid="pipelines-empty">{{ 'pipeline.empty' | translate }}</p>
    }
    <app-pipeline-run-table [runs]="runs()" />
    @if (cursor()) {
      <button mat-stroked-button type="button" class="more" (click)="load()">
        {{ 'pipeline.loadMore' | translate }}
      </button>
    }
  `,
  styles: `
    .empty {
      color: var(--mat-sys-on-surface-variant);
    }
    .error {
      color: var(--mat-sys-error);
    }
    .more {
      margin-top: 16px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PipelineRunList {
  private readonly api = inject(PipelinesApi);
  protected readonly runs = signal<PipelineRunSummary[]>([]);
  protected readonly cursor = signal<string | null>(null);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.load();
  }

  protected load(): void {
    this.api.list({ limit: 25, cursor: this.cursor() ?? undefined }).subscribe({
      next: (page) => {
        this.runs.update((r) => [...r, ...page.items]);
        this.cursor.set(page.nextCursor);
        this.loaded.set(true);
      },
      error: (err: unknown) => this.error.set(apiErrorMessage(err)),
    });
  }
}
