import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';

import { Icon } from '../icon/icon';

export type BadgeStatus = 'up' | 'down' | 'ok' | 'error' | 'shutting_down' | 'unknown';

/** A status shown with colour, icon and text, so it never relies on colour alone. */
@Component({
  selector: 'app-status-badge',
  imports: [Icon, TranslatePipe],
  template: `<app-icon [name]="good() ? 'up' : 'down'" />{{ 'status.' + status() | translate }}`,
  styles: `
    :host {
      --app-icon-size: 18px;
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 2px 10px 2px 6px;
      border-radius: 999px;
      font: var(--mat-sys-label-large);
      white-space: nowrap;
      color: var(--app-status-bad-fg);
      background: var(--app-status-bad-bg);
    }
    :host(.good) {
      color: var(--app-status-good-fg);
      background: var(--app-status-good-bg);
    }
  `,
  host: {
    '[class.good]': 'good()',
    '[attr.data-status]': 'status()',
  },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class StatusBadge {
  readonly status = input.required<BadgeStatus>();
  protected readonly good = computed(() => this.status() === 'up' || this.status() === 'ok');
}
