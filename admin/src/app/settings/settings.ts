import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatTabsModule } from '@angular/material/tabs';
import { TranslatePipe } from '@ngx-translate/core';

import { AuthService } from '../core/auth/auth.service';
import { PageHeader } from '../shared/page-header/page-header';
import { AuditLog } from './audit-log';
import { NotificationsPanel } from './notifications-panel';
import { PreferencesPanel } from './preferences-panel';
import { TokensPanel } from './tokens-panel';
import { UsersPanel } from './users-panel';

/** Settings: API tokens (everyone, their own), users and the audit log (admins). */
@Component({
  selector: 'app-settings',
  imports: [
    MatTabsModule,
    TranslatePipe,
    AuditLog,
    NotificationsPanel,
    PageHeader,
    PreferencesPanel,
    TokensPanel,
    UsersPanel,
  ],
  template: `
    <app-page-header [heading]="'settings.title' | translate" [subtitle]="'settings.subtitle' | translate" />
    <mat-tab-group mat-stretch-tabs="false" animationDuration="0ms">
      <mat-tab [label]="'settings.tokens.title' | translate">
        <ng-template matTabContent><app-tokens-panel /></ng-template>
      </mat-tab>
      @if (auth.can('users.manage')) {
        <mat-tab [label]="'settings.users.title' | translate">
          <ng-template matTabContent><app-users-panel /></ng-template>
        </mat-tab>
      }
      @if (auth.can('audit.read')) {
        <mat-tab [label]="'settings.audit.title' | translate">
          <ng-template matTabContent><app-audit-log /></ng-template>
        </mat-tab>
      }
      <mat-tab [label]="'notifications.title' | translate">
        <ng-template matTabContent><app-notifications-panel /></ng-template>
      </mat-tab>
      <mat-tab [label]="'settings.preferences.title' | translate">
        <ng-template matTabContent><app-preferences-panel /></ng-template>
      </mat-tab>
    </mat-tab-group>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Settings {
  protected readonly auth = inject(AuthService);
}
