import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PlaceholderPage } from '../shared/placeholder-page/placeholder-page';

/** Placeholder until the webhooks feature lands: says what this page will offer. */
@Component({
  selector: 'app-webhooks',
  imports: [PlaceholderPage],
  template: `<app-placeholder-page feature="webhooks" icon="webhooks" [points]="points" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Webhooks {
  protected readonly points = ['sources', 'deliveries', 'replay'] as const;
}
