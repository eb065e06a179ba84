import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PlaceholderPage } from '../shared/placeholder-page/placeholder-page';

/** Placeholder until the jobs feature lands: says what this page will offer. */
@Component({
  selector: 'app-jobs',
  imports: [PlaceholderPage],
  template: `<app-placeholder-page feature="jobs" icon="jobs" [points]="points" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Jobs {
  protected readonly points = ['define', 'params', 'status', 'chains'] as const;
}
