import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { MatCardModule } from '@angular/material/card';
import { TranslatePipe } from '@ngx-translate/core';

import { Icon, type IconName } from '../icon/icon';
import { PageHeader } from '../page-header/page-header';

/** A feature page that is not built yet: its title and what it will offer. */
@Component({
  selector: 'app-placeholder-page',
  imports: [MatCardModule, TranslatePipe, Icon, PageHeader],
  template: `
    <app-page-header [heading]="feature() + '.title' | translate" [subtitle]="feature() + '.description' | translate">
      <span class="soon">{{ 'common.comingSoon' | translate }}</span>
    </app-page-header>
    <mat-card appearance="outlined">
      <mat-card-content>
        <div class="intro">
          <span class="badge"><app-icon [name]="icon()" /></span>
          <h2>{{ 'common.plannedTitle' | translate }}</h2>
        </div>
        <ul>
          @for (point of points(); track point) {
            <li>{{ feature() + '.points.' + point | translate }}</li>
          }
        </ul>
      </mat-card-content>
    </mat-card>
  `,
  styles: `
    .soon {
      padding: 4px 12px;
      border-radius: 999px;
      font: var(--mat-sys-label-large);
      color: var(--mat-sys-on-secondary-container);
      background: var(--mat-sys-secondary-container);
    }
    .intro {
      display: flex;
      align-items: center;
      gap: 12px;
      margin-bottom: 8px;
    }
    .badge {
      display: inline-flex;
      padding: 8px;
      border-radius: 12px;
      color: var(--mat-sys-on-primary-container);
      background: var(--mat-sys-primary-container);
    }
    h2 {
      margin: 0;
      font: var(--mat-sys-title-medium);
    }
    ul {
      margin: 0;
      padding-left: 20px;
      font: var(--mat-sys-body-large);
      color: var(--mat-sys-on-surface-variant);
    }
    li + li {
      margin-top: 8px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PlaceholderPage {
  /** Translation namespace of the feature, e.g. `jobs`. */
  readonly feature = input.required<string>();
  readonly icon = input.required<IconName>();
  /** Keys under `<feature>.points`. */
  readonly points = input.required<readonly string[]>();
}
