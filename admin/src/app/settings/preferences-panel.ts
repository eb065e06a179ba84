import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatRadioModule } from '@angular/material/radio';
import { TranslatePipe } from '@ngx-translate/core';

import { LanguageService } from '../core/i18n/language';
import { BROWSER_ZONE, DisplayZone } from '../shared/format/display-zone';
import { TimePipe } from '../shared/format/format';

const ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Asia/Tokyo', 'Europe/London', 'America/New_York'];
  }
})();

/** Display preferences of this browser: the time zone dates are shown in. */
@Component({
  selector: 'app-preferences-panel',
  imports: [FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatRadioModule, TranslatePipe, TimePipe],
  template: `
    <div class="tab">
      <form class="card" (ngSubmit)="save()" data-testid="preferences-form">
        <h2 id="zone-h">{{ 'settings.preferences.zoneTitle' | translate }}</h2>
        <p class="muted">{{ 'settings.preferences.zoneHint' | translate }}</p>
        <mat-radio-group name="mode" [(ngModel)]="mode" aria-labelledby="zone-h" class="modes">
          <mat-radio-button value="browser">
            {{ 'settings.preferences.browser' | translate: { zone: browserZone } }}
          </mat-radio-button>
          <mat-radio-button value="chosen">{{ 'settings.preferences.chosen' | translate }}</mat-radio-button>
        </mat-radio-group>
        @if (mode() === 'chosen') {
          <mat-form-field class="zone">
            <mat-label>{{ 'settings.preferences.zone' | translate }}</mat-label>
            <input matInput name="zone" [(ngModel)]="zone" list="pref-zones" autocomplete="off" />
            <datalist id="pref-zones">
              @for (z of zones; track z) {
                <option [value]="z"></option>
              }
            </datalist>
          </mat-form-field>
        }
        @if (invalid()) {
          <div class="banner-error" role="alert">
            {{ 'settings.preferences.invalid' | translate: { zone: zone() } }}
          </div>
        }
        <p data-testid="zone-example">
          {{ 'settings.preferences.example' | translate }} <strong>{{ now | appTime: lang() }}</strong>
        </p>
        <div class="actions">
          <button matButton="filled" type="submit">{{ 'settings.preferences.save' | translate }}</button>
          @if (saved()) {
            <span role="status">{{ 'settings.preferences.saved' | translate }}</span>
          }
        </div>
      </form>
    </div>
  `,
  styleUrl: './settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PreferencesPanel {
  private readonly display = inject(DisplayZone);
  protected readonly lang = inject(LanguageService).language;
  protected readonly zones = ZONES;
  protected readonly browserZone = BROWSER_ZONE;
  protected readonly now = new Date();

  protected readonly mode = signal<'browser' | 'chosen'>(this.display.choice() ? 'chosen' : 'browser');
  protected readonly zone = signal(this.display.choice() ?? BROWSER_ZONE);
  protected readonly invalid = signal(false);
  protected readonly saved = signal(false);

  protected save(): void {
    const ok = this.display.set(this.mode() === 'chosen' ? this.zone() : null);
    this.invalid.set(!ok);
    this.saved.set(ok);
  }
}
