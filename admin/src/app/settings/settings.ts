import { ChangeDetectionStrategy, Component } from '@angular/core';

import { PlaceholderPage } from '../shared/placeholder-page/placeholder-page';

/** Placeholder until the settings feature lands: says what this page will offer. */
@Component({
  selector: 'app-settings',
  imports: [PlaceholderPage],
  template: `<app-placeholder-page feature="settings" icon="settings" [points]="points" />`,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Settings {
  protected readonly points = ['users', 'tokens', 'audit', 'config'] as const;
}
