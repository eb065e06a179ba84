import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { UserSummary } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { firstValueFrom } from 'rxjs';

import { SettingsApi } from '../core/api/settings-api';
import { PASSWORD_MIN } from '../core/shell/change-password-dialog';
import { apiErrorMessage } from '../shared/format/format';

/** An admin sets a new password for another user; the server ends that user's sessions. */
@Component({
  selector: 'app-reset-password-dialog',
  imports: [FormsModule, MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ 'settings.users.resetTitle' | translate: { name: user.username } }}</h2>
    <form (ngSubmit)="save()" data-testid="reset-password-form">
      <mat-dialog-content class="fields">
        <p class="hint">{{ 'settings.users.resetExplain' | translate: { name: user.username } }}</p>
        <mat-form-field>
          <mat-label>{{ 'settings.users.newPassword' | translate }}</mat-label>
          <input matInput type="password" name="password" autocomplete="new-password" [(ngModel)]="password" />
          <mat-hint>{{ 'password.minHint' | translate: { min: min } }}</mat-hint>
        </mat-form-field>
        @if (error()) {
          <p class="banner-error" role="alert">{{ error() }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button matButton type="button" mat-dialog-close>{{ 'common.cancel' | translate }}</button>
        <button matButton="filled" type="submit" [disabled]="!canSave()">
          {{ 'settings.users.resetSave' | translate }}
        </button>
      </mat-dialog-actions>
    </form>
  `,
  styles: `
    .fields {
      display: flex;
      flex-direction: column;
      gap: 8px;
      min-width: min(360px, 80vw);
    }
    .hint {
      margin: 0 0 8px;
      color: var(--mat-sys-on-surface-variant);
    }
    .banner-error {
      margin: 0;
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ResetPasswordDialog {
  private readonly api = inject(SettingsApi);
  private readonly ref = inject<MatDialogRef<ResetPasswordDialog, boolean>>(MatDialogRef);
  protected readonly user = inject<UserSummary>(MAT_DIALOG_DATA);
  protected readonly min = PASSWORD_MIN;
  protected readonly password = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly canSave = computed(() => !this.busy() && this.password().length >= PASSWORD_MIN);

  protected async save(): Promise<void> {
    if (!this.canSave()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await firstValueFrom(this.api.updateUser(this.user.id, { password: this.password() }));
      this.ref.close(true);
    } catch (error) {
      this.error.set(apiErrorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}
