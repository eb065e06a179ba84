import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PlaceholderPage } from '../shared/placeholder-page/placeholder-page';

/** Placeholder until the schedules feature lands: says what this page will offer. */
@Component({
  selector: 'app-schedules',
  imports: [PlaceholderPage],
  template: `<app-placeholder-page feature="schedules" icon="schedules" [points]="points" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Schedules {
  protected readonly points = ['cron', 'preview', 'misfire', 'pause'] as const;
}
