import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  afterNextRender,
  computed,
  inject,
  input,
  signal,
} from '@angular/core';
import type { DurationPoint } from '@api-manager/contracts';

import { formatDuration } from '../format/format';

const H = 200;
/** Room the y labels take beside the plot (px). */
const Y_LABELS = 54;
const PAD = { left: 2, right: 8, top: 8, bottom: 2 };

interface Plotted {
  point: DurationPoint;
  x: number;
  y: number;
  yMax: number;
  label: string;
}

/**
 * Durations over time, our own small SVG (no chart library): one point per day at the median duration
 * of that day's runs, a thin whisker up to the longest run, a red ring on days with failures. Each
 * point is focusable and has a label (day, runs, failures, median, longest), so the chart reads without
 * a mouse; the same numbers are in the accessible description.
 */
@Component({
  selector: 'app-duration-chart',
  template: `
    <div class="frame">
      <div class="y" aria-hidden="true">
        <span>{{ top() }}</span>
        <span>0</span>
      </div>
      <svg
        [attr.viewBox]="'0 0 ' + width() + ' ' + height"
        role="img"
        [attr.aria-label]="label()"
        data-testid="duration-chart"
        [attr.data-points]="plotted().length"
      >
        <line class="axis" [attr.x1]="pad.left" [attr.x2]="width() - pad.right" [attr.y1]="base" [attr.y2]="base" />
        <line class="axis" [attr.x1]="pad.left" [attr.x2]="pad.left" [attr.y1]="pad.top" [attr.y2]="base" />
        <polyline class="line" [attr.points]="path()" />
        @for (p of plotted(); track p.point.day) {
          <line class="whisker" [attr.x1]="p.x" [attr.x2]="p.x" [attr.y1]="p.y" [attr.y2]="p.yMax" />
          <circle
            class="point"
            [class.failed]="p.point.failed > 0"
            [attr.cx]="p.x"
            [attr.cy]="p.y"
            r="5"
            tabindex="0"
            data-point
            [attr.aria-label]="p.label"
          >
            <title>{{ p.label }}</title>
          </circle>
        }
      </svg>
    </div>
    @if (plotted().length) {
      <div class="x" aria-hidden="true">
        <span>{{ plotted()[0].point.day }}</span>
        <span>{{ plotted()[plotted().length - 1].point.day }}</span>
      </div>
    }
  `,
  styles: `
    :host {
      display: block;
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
    .frame {
      display: flex;
      gap: 6px;
    }
    .y {
      display: flex;
      flex-direction: column;
      justify-content: space-between;
      align-items: flex-end;
      width: 48px;
      padding: 4px 0 2px;
    }
    svg {
      flex: 1 1 auto;
      min-width: 0;
      height: 200px;
      overflow: visible;
    }
    .x {
      display: flex;
      justify-content: space-between;
      margin-left: 54px;
    }
    .axis {
      stroke: var(--mat-sys-outline-variant);
    }
    .line {
      fill: none;
      stroke: var(--mat-sys-primary);
      stroke-width: 2;
      vector-effect: non-scaling-stroke;
    }
    .whisker {
      stroke: var(--mat-sys-primary);
      stroke-opacity: 0.35;
      stroke-width: 2;
      vector-effect: non-scaling-stroke;
    }
    .point {
      fill: var(--mat-sys-primary);
      stroke: var(--mat-sys-surface);
      stroke-width: 2;
    }
    .point.failed {
      fill: var(--mat-sys-error);
    }
    .point:focus-visible {
      outline: none;
      stroke: var(--mat-sys-on-surface);
      stroke-width: 3;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class DurationChart {
  readonly points = input.required<DurationPoint[]>();
  /** Label of the whole chart (translated by the caller). */
  readonly label = input('');
  /** Label of one point, from the caller: (point, median text, longest text) -> text. */
  readonly pointLabel = input<(p: DurationPoint, p50: string, max: string) => string>(
    (p, p50, max) => `${p.day}: ${p.runs} runs, ${p.failed} failed, median ${p50}, longest ${max}`,
  );

  /** The plot is drawn at its real pixel width (a ResizeObserver keeps it), so points stay round. */
  protected readonly width = signal(600);
  protected readonly height = H;

  constructor() {
    const host = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    const destroyRef = inject(DestroyRef);
    afterNextRender(() => {
      const observer = new ResizeObserver(([entry]) => {
        if (entry) this.width.set(Math.max(120, Math.round(entry.contentRect.width - Y_LABELS)));
      });
      observer.observe(host);
      destroyRef.onDestroy(() => observer.disconnect());
    });
  }
  protected readonly pad = PAD;
  protected readonly base = H - PAD.bottom;

  private readonly scale = computed(() => Math.max(1, ...this.points().map((p) => p.maxMs ?? p.p50Ms ?? 0)));
  protected readonly top = computed(() => formatDuration(this.scale()));

  protected readonly plotted = computed<Plotted[]>(() => {
    const pts = this.points();
    const innerW = this.width() - PAD.left - PAD.right;
    const innerH = this.base - PAD.top;
    const first = pts.length ? Date.parse(pts[0]!.day) : 0;
    const last = pts.length ? Date.parse(pts[pts.length - 1]!.day) : 0;
    const span = Math.max(1, last - first);
    const y = (ms: number | null) => this.base - ((ms ?? 0) / this.scale()) * innerH;
    const label = this.pointLabel();
    return pts.map((p) => ({
      point: p,
      x: pts.length === 1 ? PAD.left + innerW / 2 : PAD.left + ((Date.parse(p.day) - first) / span) * innerW,
      y: y(p.p50Ms),
      yMax: y(p.maxMs),
      label: label(p, formatDuration(p.p50Ms), formatDuration(p.maxMs)),
    }));
  });

  protected readonly path = computed(() =>
    this.plotted()
      .map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`)
      .join(' '),
  );
}
