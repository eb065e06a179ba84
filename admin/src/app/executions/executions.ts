import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PlaceholderPage } from '../shared/placeholder-page/placeholder-page';

/** Placeholder until the executions feature lands: says what this page will offer. */
@Component({
  selector: 'app-executions',
  imports: [PlaceholderPage],
  template: `<app-placeholder-page feature="executions" icon="executions" [points]="points" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Executions {
  protected readonly points = ['list', 'detail', 'attempts', 'actions'] as const;
}
