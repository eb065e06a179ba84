import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { ExecutionStatus } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';

const TONE: Partial<Record<ExecutionStatus, 'good' | 'bad' | 'active' | 'warn'>> = {
  succeeded: 'good',
  failed: 'bad',
  timed_out: 'bad',
  lost: 'bad',
  partial: 'warn',
  skipped: 'warn',
  cancelled: 'warn',
  queued: 'active',
  running: 'active',
};

/** An execution status as a pill: colour plus a shape marker and the word, never colour alone. */
@Component({
  selector: 'app-run-status',
  imports: [TranslatePipe],
  template: `<span class="mark" aria-hidden="true"></span>{{ 'run.status.' + status() | translate }}`,
  styles: `
    :host {
      display: inline-flex;
      align-items: center;
      gap: 6px;
      padding: 1px 10px 1px 8px;
      border-radius: 999px;
      font: var(--mat-sys-label-large);
      white-space: nowrap;
      color: var(--mat-sys-on-surface-variant);
      background: var(--mat-sys-surface-container-high);
    }
    .mark {
      width: 8px;
      height: 8px;
      border-radius: 50%;
      background: currentColor;
    }
    :host(.good) {
      color: var(--app-status-good-fg);
      background: var(--app-status-good-bg);
    }
    :host(.bad) {
      color: var(--app-status-bad-fg);
      background: var(--app-status-bad-bg);
    }
    :host(.bad) .mark {
      border-radius: 1px;
    }
    :host(.warn) {
      color: #6b4e00;
      background: #ffefc2;
    }
    :host(.warn) .mark {
      border-radius: 0;
      transform: rotate(45deg);
    }
    :host(.active) {
      color: var(--mat-sys-on-primary-container);
      background: var(--mat-sys-primary-container);
    }
  `,
  host: { '[class]': 'tone()', '[attr.data-status]': 'status()' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunStatus {
  readonly status = input.required<ExecutionStatus>();
  protected readonly tone = computed(() => TONE[this.status()] ?? 'neutral');
}
