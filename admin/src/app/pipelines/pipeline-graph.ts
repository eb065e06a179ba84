import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { Router } from '@angular/router';
import type { PipelineEdge, PipelineNode } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

/** The most nodes drawn (a run may hold thousands: the first ones by layer are shown). */
export const GRAPH_DRAW_CAP = 400;

const NODE_W = 168;
const NODE_H = 40;
const COL_GAP = 56;
const ROW_GAP = 10;
const BAND_GAP = 18;
const LABEL_H = 22;
const PAD = 12;

const TONE: Record<string, string> = {
  succeeded: 'good',
  failed: 'bad',
  timed_out: 'bad',
  lost: 'bad',
  partial: 'warn',
  cancelled: 'warn',
  skipped: 'warn',
  queued: 'active',
  running: 'active',
  waiting: 'waiting',
};

interface Placed extends PipelineNode {
  x: number;
  y: number;
  tone: string;
  label: string;
}

interface Band {
  label: string;
  y: number;
}

/**
 * A pipeline run drawn as SVG: columns by layer (left → right by dependency), one band per group
 * (device/key values; shared nodes first), nodes coloured by status with the status word in them
 * (never colour alone). A node with an execution opens it (click, Enter or Space).
 */
@Component({
  selector: 'app-pipeline-graph',
  imports: [TranslatePipe],
  template: `
    <div class="scroll">
      <svg
        [attr.width]="layout().width"
        [attr.height]="layout().height"
        [attr.viewBox]="'0 0 ' + layout().width + ' ' + layout().height"
        role="group"
        [attr.aria-label]="'pipeline.graphLabel' | translate: { n: layout().nodes.length }"
        data-testid="pipeline-graph"
      >
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">
            <path d="M0,0 L10,5 L0,10 z" class="arrow" />
          </marker>
        </defs>
        @for (b of layout().bands; track b.label) {
          <text class="band" [attr.x]="PAD" [attr.y]="b.y + 14">{{ b.label }}</text>
        }
        @for (e of layout().edges; track $index) {
          <path [attr.d]="e.d" class="edge" [class.needs]="e.kind === 'needs'" marker-end="url(#arrow)" />
        }
        @for (n of layout().nodes; track n.id) {
          <g
            class="node"
            [class]="'node ' + n.tone"
            [attr.transform]="'translate(' + n.x + ',' + n.y + ')'"
            [attr.data-node]="n.jobName"
            [attr.data-status]="n.status"
            [attr.role]="n.executionId ? 'link' : null"
            [attr.tabindex]="n.executionId ? 0 : null"
            (click)="open(n)"
            (keydown.enter)="open(n)"
            (keydown.space)="open(n); $event.preventDefault()"
          >
            <rect [attr.width]="NODE_W" [attr.height]="NODE_H" rx="8" />
            <text class="name" x="10" y="16">{{ n.label }}</text>
            <text class="state" x="10" y="32">{{ 'pipeline.status.' + n.status | translate }}</text>
          </g>
        }
      </svg>
    </div>
    <p class="legend">{{ 'pipeline.legend' | translate }}</p>
    @if (truncated()) {
      <p class="legend">{{ 'pipeline.truncated' | translate: { n: GRAPH_DRAW_CAP } }}</p>
    }
  `,
  styles: `
    .scroll {
      overflow: auto;
      max-width: 100%;
      border-radius: 12px;
      background: var(--mat-sys-surface-container-lowest);
      border: 1px solid var(--mat-sys-outline-variant);
    }
    svg {
      display: block;
      font-family: inherit;
    }
    .band {
      font-size: 12px;
      font-weight: 600;
      fill: var(--mat-sys-on-surface-variant);
    }
    .edge {
      fill: none;
      stroke: var(--mat-sys-outline);
      stroke-width: 1.5;
    }
    .edge.needs {
      stroke-dasharray: 5 4;
      stroke: var(--mat-sys-tertiary);
    }
    .arrow {
      fill: var(--mat-sys-outline);
    }
    .node rect {
      stroke-width: 1.5;
      fill: var(--mat-sys-surface-container-high);
      stroke: var(--mat-sys-outline);
    }
    .node[role='link'] {
      cursor: pointer;
    }
    .node:focus-visible {
      outline: none;
    }
    .node:focus-visible rect,
    .node[role='link']:hover rect {
      stroke-width: 3;
    }
    .name {
      font-size: 12px;
      font-weight: 600;
      fill: var(--mat-sys-on-surface);
    }
    .state {
      font-size: 11px;
      fill: var(--mat-sys-on-surface-variant);
    }
    .good rect {
      fill: #d7f5dd;
      stroke: #1e7b34;
    }
    .bad rect {
      fill: #fbdcdc;
      stroke: #b3261e;
    }
    .warn rect {
      fill: #fdf0cf;
      stroke: #8a6100;
    }
    .active rect {
      fill: #dbe7fd;
      stroke: #1f5fbf;
    }
    .waiting rect {
      fill: var(--mat-sys-surface-container-lowest);
      stroke: var(--mat-sys-outline);
      stroke-dasharray: 4 3;
    }
    .good .name,
    .bad .name,
    .warn .name,
    .active .name,
    .good .state,
    .bad .state,
    .warn .state,
    .active .state {
      fill: #1b1b1f;
    }
    .legend {
      margin: 8px 0 0;
      font: var(--mat-sys-body-small);
      color: var(--mat-sys-on-surface-variant);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PipelineGraph {
  private readonly router = inject(Router);
  private readonly translate = inject(TranslateService);
  readonly nodes = input.required<readonly PipelineNode[]>();
  readonly edges = input.required<readonly PipelineEdge[]>();

  protected readonly NODE_W = NODE_W;
  protected readonly NODE_H = NODE_H;
  protected readonly PAD = PAD;
  protected readonly GRAPH_DRAW_CAP = GRAPH_DRAW_CAP;
  protected readonly truncated = computed(() => this.nodes().length > GRAPH_DRAW_CAP);

  protected readonly layout = computed(() => {
    const shown = [...this.nodes()].sort((a, b) => a.layer - b.layer).slice(0, GRAPH_DRAW_CAP);
    const groups = [...new Set(shown.map((n) => n.group ?? ''))].sort((a, b) =>
      a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
    );
    const layers = Math.max(0, ...shown.map((n) => n.layer)) + 1;
    const placed: Placed[] = [];
    const bands: Band[] = [];
    let y = PAD;
    for (const g of groups) {
      const inGroup = shown.filter((n) => (n.group ?? '') === g);
      bands.push({ label: g || this.translate.instant('pipeline.shared'), y });
      const top = y + LABEL_H;
      let rows = 1;
      for (let layer = 0; layer < layers; layer++) {
        const column = inGroup.filter((n) => n.layer === layer).sort((a, b) => a.jobName.localeCompare(b.jobName));
        column.forEach((n, i) =>
          placed.push({
            ...n,
            x: PAD + layer * (NODE_W + COL_GAP),
            y: top + i * (NODE_H + ROW_GAP),
            tone: TONE[n.status] ?? 'neutral',
            label: n.jobName.length > 24 ? `${n.jobName.slice(0, 23)}…` : n.jobName,
          }),
        );
        rows = Math.max(rows, column.length);
      }
      y = top + rows * (NODE_H + ROW_GAP) - ROW_GAP + BAND_GAP;
    }
    const at = new Map(placed.map((n) => [n.id, n]));
    const edges = this.edges()
      .filter((e) => at.has(e.from) && at.has(e.to))
      .map((e) => {
        const a = at.get(e.from)!;
        const b = at.get(e.to)!;
        const x1 = a.x + NODE_W;
        const y1 = a.y + NODE_H / 2;
        const x2 = b.x - 2;
        const y2 = b.y + NODE_H / 2;
        const mid = (x1 + x2) / 2;
        return { kind: e.kind, d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` };
      });
    return {
      nodes: placed,
      edges,
      bands,
      width: PAD * 2 + layers * NODE_W + (layers - 1) * COL_GAP,
      height: Math.max(y - BAND_GAP + PAD, NODE_H + 2 * PAD),
    };
  });

  protected open(n: PipelineNode): void {
    if (n.executionId) void this.router.navigate(['/executions', n.executionId]);
  }
}
