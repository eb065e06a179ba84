import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { MatSnackBar } from '@angular/material/snack-bar';
import type { UpdateUserRequest, UserRole, UserSummary } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

import { SettingsApi } from '../core/api/settings-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { ResetPasswordDialog } from './reset-password-dialog';

const ROLES: readonly UserRole[] = ['viewer', 'operator', 'admin'];

/** Users and their roles (admins only): add, change role, disable / enable. */
@Component({
  selector: 'app-users-panel',
  imports: [FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule, TranslatePipe, TimePipe],
  template: `
    <div class="tab">
      @if (error()) {
        <div class="banner-error" role="alert">{{ error() }}</div>
      }
      @if (users.error(); as e) {
        <div class="banner-error" role="alert">{{ errorText(e) }}</div>
      }
      <div class="card table-wrap flat">
        <table class="data" data-testid="users-table">
          <caption class="cdk-visually-hidden">
            {{
              'settings.users.title' | translate
            }}
          </caption>
          <thead>
            <tr>
              <th scope="col">{{ 'settings.users.username' | translate }}</th>
              <th scope="col">{{ 'settings.users.displayName' | translate }}</th>
              <th scope="col">{{ 'settings.users.role' | translate }}</th>
              <th scope="col">{{ 'settings.users.lastLogin' | translate }}</th>
              <th scope="col">{{ 'settings.users.state' | translate }}</th>
              <th scope="col">{{ 'settings.users.actions' | translate }}</th>
            </tr>
          </thead>
          <tbody>
            @for (u of users.value() ?? []; track u.id) {
              <tr [attr.data-username]="u.username">
                <td>
                  <strong>{{ u.username }}</strong>
                  @if (u.id === auth.user()?.id) {
                    <span class="muted"> ({{ 'settings.users.you' | translate }})</span>
                  }
                </td>
                <td>{{ u.displayName }}</td>
                <td>
                  <mat-form-field subscriptSizing="dynamic" class="role">
                    <mat-label>{{ 'settings.users.roleOf' | translate: { name: u.username } }}</mat-label>
                    <mat-select
                      [value]="u.role"
                      [disabled]="u.id === auth.user()?.id"
                      (selectionChange)="update(u, { role: $event.value })"
                    >
                      @for (r of roles; track r) {
                        <mat-option [value]="r">{{ 'settings.users.roles.' + r | translate }}</mat-option>
                      }
                    </mat-select>
                  </mat-form-field>
                </td>
                <td>{{ u.lastLoginAt | appTime: lang() }}</td>
                <td>
                  {{ (u.disabled ? 'settings.users.disabled' : 'settings.users.active') | translate }}
                </td>
                <td class="row-actions">
                  @if (u.id === auth.user()?.id) {
                    <span class="muted small">{{ 'settings.users.selfLocked' | translate }}</span>
                  } @else {
                    <button matButton type="button" (click)="update(u, { disabled: !u.disabled })">
                      {{ (u.disabled ? 'settings.users.enable' : 'settings.users.disable') | translate }}
                      <span class="cdk-visually-hidden">{{ u.username }}</span>
                    </button>
                    <button matButton type="button" (click)="resetPassword(u)" data-testid="reset-password">
                      {{ 'settings.users.resetPassword' | translate }}
                      <span class="cdk-visually-hidden">{{ u.username }}</span>
                    </button>
                  }
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>

      <form class="card" (ngSubmit)="create()" data-testid="user-form">
        <h2>{{ 'settings.users.add' | translate }}</h2>
        <div class="form-row">
          <mat-form-field>
            <mat-label>{{ 'settings.users.username' | translate }}</mat-label>
            <input matInput name="username" [(ngModel)]="username" autocomplete="off" />
          </mat-form-field>
          <mat-form-field>
            <mat-label>{{ 'settings.users.displayName' | translate }}</mat-label>
            <input matInput name="displayName" [(ngModel)]="displayName" autocomplete="off" />
          </mat-form-field>
          <mat-form-field>
            <mat-label>{{ 'settings.users.password' | translate }}</mat-label>
            <input matInput type="password" name="password" [(ngModel)]="password" autocomplete="new-password" />
            <mat-hint>{{ 'settings.users.passwordHint' | translate }}</mat-hint>
          </mat-form-field>
          <mat-form-field>
            <mat-label>{{ 'settings.users.role' | translate }}</mat-label>
            <mat-select name="role" [(ngModel)]="role">
              @for (r of roles; track r) {
                <mat-option [value]="r">{{ 'settings.users.roles.' + r | translate }}</mat-option>
              }
            </mat-select>
          </mat-form-field>
        </div>
        <div class="actions">
          <button matButton="filled" type="submit" [disabled]="busy() || !username().trim() || !password()">
            {{ 'settings.users.addButton' | translate }}
          </button>
        </div>
      </form>
    </div>
  `,
  styleUrl: './settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UsersPanel {
  private readonly api = inject(SettingsApi);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly translate = inject(TranslateService);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly roles = ROLES;
  protected readonly users = rxResource({ stream: () => this.api.users() });
  protected readonly username = signal('');
  protected readonly displayName = signal('');
  protected readonly password = signal('');
  protected readonly role = signal<UserRole>('viewer');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);

  protected create(): void {
    this.busy.set(true);
    this.error.set(null);
    this.api
      .createUser({
        username: this.username().trim(),
        password: this.password(),
        role: this.role(),
        displayName: this.displayName().trim() || undefined,
      })
      .subscribe({
        next: () => {
          this.busy.set(false);
          this.username.set('');
          this.displayName.set('');
          this.password.set('');
          this.users.reload();
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.error.set(apiErrorMessage(error));
        },
      });
  }

  protected update(user: UserSummary, change: UpdateUserRequest): void {
    this.error.set(null);
    this.api.updateUser(user.id, change).subscribe({
      next: () => this.users.reload(),
      error: (error: unknown) => {
        this.error.set(apiErrorMessage(error));
        this.users.reload();
      },
    });
  }

  protected resetPassword(user: UserSummary): void {
    this.dialog
      .open<ResetPasswordDialog, UserSummary, boolean>(ResetPasswordDialog, { data: user })
      .afterClosed()
      .subscribe((done) => {
        if (!done) return;
        const text = this.translate.instant('settings.users.resetDone', { name: user.username }) as string;
        this.snackBar.open(text, undefined, { duration: 5000 });
        this.users.reload();
      });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }
}
