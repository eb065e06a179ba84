import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule } from '@angular/material/dialog';
import { TranslatePipe } from '@ngx-translate/core';

export interface ConfirmDialogData {
  /** Translation keys and their params. */
  title: string;
  message: string;
  confirm: string;
  params?: Record<string, unknown>;
  /** Warn-coloured confirm button (cancel). */
  danger?: boolean;
}

/** "Are you sure?" before retry / retry failed / cancel: closes with true on confirm. */
@Component({
  selector: 'app-confirm-dialog',
  imports: [MatButtonModule, MatDialogModule, TranslatePipe],
  template: `
    <h2 mat-dialog-title>{{ data.title | translate: data.params }}</h2>
    <mat-dialog-content>
      <p>{{ data.message | translate: data.params }}</p>
    </mat-dialog-content>
    <mat-dialog-actions align="end">
      <button matButton type="button" [mat-dialog-close]="false" data-testid="confirm-no">
        {{ 'retryFailed.keep' | translate }}
      </button>
      <button
        matButton="filled"
        type="button"
        [class.danger]="data.danger"
        [mat-dialog-close]="true"
        cdkFocusInitial
        data-testid="confirm-yes"
      >
        {{ data.confirm | translate: data.params }}
      </button>
    </mat-dialog-actions>
  `,
  styles: `
    .danger {
      --mdc-filled-button-container-color: var(--mat-sys-error);
      --mat-button-filled-container-color: var(--mat-sys-error);
      --mat-button-filled-label-text-color: var(--mat-sys-on-error);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  protected readonly data = inject<ConfirmDialogData>(MAT_DIALOG_DATA);
}
