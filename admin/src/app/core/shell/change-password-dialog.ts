import { ChangeDetectionStrategy, Component, type Injector, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSnackBar } from '@angular/material/snack-bar';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

import { apiErrorMessage } from '../../shared/format/format';
import { AuthService } from '../auth/auth.service';

/** Same rule as the server's PASSWORD_MIN_LENGTH (the server checks again). */
export const PASSWORD_MIN = 12;

/** Change my own password: the current one, then the new one twice. Other sessions end. */
@Component({
  selector: 'app-change-password-dialog',
  imports: [FormsModule, MatButtonModule, MatDialogModule, MatFormFieldModule, MatInputModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ 'password.title' | translate }}</h2>
    <form (ngSubmit)="save()" data-testid="change-password-form">
      <mat-dialog-content class="fields">
        <p class="hint">{{ 'password.explain' | translate }}</p>
        <input type="text" name="username" autocomplete="username" [value]="username" hidden />
        <mat-form-field>
          <mat-label>{{ 'password.current' | translate }}</mat-label>
          <input
            matInput
            type="password"
            name="current"
            autocomplete="current-password"
            [(ngModel)]="current"
            required
          />
        </mat-form-field>
        <mat-form-field>
          <mat-label>{{ 'password.new' | translate }}</mat-label>
          <input matInput type="password" name="next" autocomplete="new-password" [(ngModel)]="next" required />
          <mat-hint>{{ 'password.minHint' | translate: { min: min } }}</mat-hint>
        </mat-form-field>
        <mat-form-field>
          <mat-label>{{ 'password.repeat' | translate }}</mat-label>
          <input matInput type="password" name="repeat" autocomplete="new-password" [(ngModel)]="repeat" required />
          @if (mismatch()) {
            <mat-hint class="warn">{{ 'password.mismatch' | translate }}</mat-hint>
          }
        </mat-form-field>
        @if (error()) {
          <p class="banner-error" role="alert">{{ error() }}</p>
        }
      </mat-dialog-content>
      <mat-dialog-actions align="end">
        <button matButton type="button" mat-dialog-close>{{ 'common.cancel' | translate }}</button>
        <button matButton="filled" type="submit" [disabled]="!canSave()">{{ 'password.save' | translate }}</button>
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
    .warn {
      color: var(--mat-sys-error);
    }
    .banner-error {
      margin: 0;
      color: var(--mat-sys-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ChangePasswordDialog {
  private readonly auth = inject(AuthService);
  private readonly ref = inject<MatDialogRef<ChangePasswordDialog, boolean>>(MatDialogRef);
  protected readonly username = this.auth.user()?.username ?? '';
  protected readonly min = PASSWORD_MIN;
  protected readonly current = signal('');
  protected readonly next = signal('');
  protected readonly repeat = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly mismatch = computed(() => this.repeat() !== '' && this.repeat() !== this.next());
  protected readonly canSave = computed(
    () => !this.busy() && this.current() !== '' && this.next().length >= PASSWORD_MIN && this.next() === this.repeat(),
  );

  protected async save(): Promise<void> {
    if (!this.canSave()) return;
    this.busy.set(true);
    this.error.set(null);
    try {
      await this.auth.changePassword(this.current(), this.next());
      this.ref.close(true);
    } catch (error) {
      this.error.set(apiErrorMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}

/** Opens the dialog; on success says so (the shell loads this file on first use). */
export function openChangePassword(injector: Injector): void {
  const translate = injector.get(TranslateService);
  const snackBar = injector.get(MatSnackBar);
  injector
    .get(MatDialog)
    .open<ChangePasswordDialog, void, boolean>(ChangePasswordDialog, { autoFocus: 'first-tabbable', injector })
    .afterClosed()
    .subscribe((changed) => {
      if (changed) snackBar.open(translate.instant('auth.passwordChanged') as string, undefined, { duration: 5000 });
    });
}
