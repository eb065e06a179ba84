import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';

/** Tone of a status word: good, bad, active (queued/running) or neutral. */
export type StatusTone = 'good' | 'bad' | 'active' | 'neutral' | 'warn';

const TONES: Record<string, StatusTone> = {
  succeeded: 'good',
  triggered: 'good',
  active: 'good',
  failed: 'bad',
  timed_out: 'bad',
  lost: 'bad',
  rejected: 'bad',
  revoked: 'bad',
  partial: 'warn',
  cancelled: 'warn',
  skipped: 'warn',
  paused: 'warn',
  queued: 'active',
  running: 'active',
};

/**
 * A status word in a coloured pill with a shape marker, so it never relies on colour alone.
 * `kind` is the translation namespace (e.g. `executions.status`).
 */
@Component({
  selector: 'app-exec-status',
  imports: [TranslatePipe],
  template: `<span class="dot" aria-hidden="true"></span>{{ kind() + '.' + status() | translate }}`,
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
    .dot {
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
    :host(.bad) .dot {
      border-radius: 1px;
    }
    :host(.warn) {
      color: #6b4500;
      background: #ffe9c2;
    }
    :host(.active) {
      color: var(--mat-sys-on-primary-container);
      background: var(--mat-sys-primary-container);
    }
    :host(.active) .dot {
      animation: pulse 1.2s ease-in-out infinite;
    }
    @keyframes pulse {
      50% {
        opacity: 0.3;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      :host(.active) .dot {
        animation: none;
      }
    }
  `,
  host: { '[class]': 'tone()', '[attr.data-status]': 'status()' },
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExecStatus {
  readonly status = input.required<string>();
  readonly kind = input('executions.status');
  protected readonly tone = computed<StatusTone>(() => TONES[this.status()] ?? 'neutral');
}
