import {
  ChangeDetectionStrategy,
  Component,
  type ElementRef,
  afterRenderEffect,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { rxResource, takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { JsonPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { ACTIVE_STATUSES } from '@api-manager/contracts';
import type {
  CommandRequestSnapshot,
  CommandResponseSnapshot,
  ExecutionDetail,
  ExecutionLogLine,
  ExecutionRequestSnapshot,
  ExecutionResponseSnapshot,
} from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { Subject, debounceTime, filter } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { ExecutionsApi } from '../core/api/executions-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { DurationPipe, JsonTextPipe, TimePipe, apiErrorMessage, formatDuration } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';
import { ConfirmDialog, type ConfirmDialogData } from './confirm-dialog';

const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);
/** Children that "retry failed" runs again (cancelled ones were stopped on purpose). */
const RETRYABLE_CHILD = new Set(['failed', 'timed_out', 'lost']);
/** Lines kept from the live stream until the next reload brings them in the detail. */
const LIVE_LINES_MAX = 5000;

interface TimelineStep {
  key: string;
  at: string | null;
  status?: string;
  detail?: string;
}

/** One execution: timeline, request, response, logs, children and chain links; retry / cancel. */
@Component({
  selector: 'app-execution-detail',
  imports: [
    JsonPipe,
    MatButtonModule,
    MatProgressBarModule,
    RouterLink,
    TranslatePipe,
    DurationPipe,
    ExecStatus,
    JsonTextPipe,
    PageHeader,
    TimePipe,
  ],
  templateUrl: './execution-detail.html',
  styleUrl: './execution-detail.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExecutionDetailPage {
  private readonly api = inject(ExecutionsApi);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;

  /** Route parameter (component input binding). */
  readonly id = input.required<string>();

  protected readonly execution = rxResource({ params: () => this.id(), stream: ({ params }) => this.api.get(params) });
  protected readonly busy = signal(false);
  protected readonly actionError = signal<string | null>(null);
  /** Lines that arrived on the event stream since the detail was loaded. */
  private readonly liveLines = signal<(ExecutionLogLine & { id: string })[]>([]);
  private readonly logBox = viewChild<ElementRef<HTMLElement>>('logBox');
  /** Follow the end of the log unless the reader scrolled up. */
  private stickToBottom = true;

  /** The detail's lines, then the streamed ones it does not have yet (by id). */
  protected readonly logLines = computed<ExecutionLogLine[]>(() => {
    const loaded = this.execution.value()?.logs ?? [];
    let last = 0n;
    for (const l of loaded) if (l.id && BigInt(l.id) > last) last = BigInt(l.id);
    return [...loaded, ...this.liveLines().filter((l) => BigInt(l.id) > last)];
  });

  /** An HTTP call in flight: the request was sent, no response yet. */
  protected readonly waitingSince = computed<string | null>(() => {
    const e = this.execution.value();
    if (!e || e.status !== 'running' || e.response || !this.httpRequest(e)) return null;
    const sent = [...this.logLines()].reverse().find((l) => /request sent/.test(l.message));
    return sent?.at ?? e.startedAt ?? null;
  });

  /** Failed children a "retry failed" would run again (not those already retried). */
  protected readonly failedChildren = computed(() => {
    const e = this.execution.value();
    if (!e?.progress || ACTIVE.has(e.status)) return 0;
    const retried = new Set(e.children.map((c) => c.retryOf).filter(Boolean));
    return e.children.filter((c) => c.trigger === 'fanout' && RETRYABLE_CHILD.has(c.status) && !retried.has(c.id))
      .length;
  });

  protected readonly active = computed(() => {
    const e = this.execution.value();
    return !!e && ACTIVE.has(e.status);
  });

  protected readonly timeline = computed<TimelineStep[]>(() => {
    const e = this.execution.value();
    return e ? buildTimeline(e) : [];
  });

  protected readonly progressPercent = computed(() => {
    const p = this.execution.value()?.progress;
    return p && p.total ? Math.round(((p.done + p.failed) / p.total) * 100) : 0;
  });

  protected readonly headers = (record: Record<string, string> | undefined | null) =>
    Object.entries(record ?? {}).sort(([a], [b]) => a.localeCompare(b));

  /** Command jobs store what they ran and how it ended in request/response (`kind: 'command'`). */
  protected commandRequest(e: ExecutionDetail): CommandRequestSnapshot | null {
    return e.request && 'kind' in e.request && e.request.kind === 'command' ? e.request : null;
  }
  protected httpRequest(e: ExecutionDetail): ExecutionRequestSnapshot | null {
    return e.request && !('kind' in e.request) ? e.request : null;
  }
  protected commandResponse(e: ExecutionDetail): CommandResponseSnapshot | null {
    return this.commandRequest(e) && e.response ? (e.response as CommandResponseSnapshot) : null;
  }
  protected httpResponse(e: ExecutionDetail): ExecutionResponseSnapshot | null {
    return !this.commandRequest(e) && e.response ? (e.response as ExecutionResponseSnapshot) : null;
  }

  constructor() {
    // Live: reload (batched) when this execution or one of its children changes.
    const changed = new Subject<void>();
    changed.pipe(debounceTime(300), takeUntilDestroyed()).subscribe(() => this.execution.reload());
    inject(LiveEvents)
      .events$.pipe(takeUntilDestroyed())
      .subscribe((event) => {
        if (event.type === 'open') {
          changed.next();
        } else if (event.type === 'execution') {
          const id = this.id();
          if (event.data.id === id || event.data.parentId === id) changed.next();
        } else if (event.type === 'log' && event.data.id === this.id()) {
          // Lines of this execution (HTTP call moments, command output): shown as they come, no reload.
          const lines = (event.data.logs ?? []).map((l) => ({
            id: l.id,
            at: l.at,
            level: l.level,
            message: l.message,
          }));
          if (lines.length) this.liveLines.update((have) => [...have, ...lines].slice(-LIVE_LINES_MAX));
          else changed.next();
        }
      });
    // A new execution (route change) starts with no streamed lines.
    toObservable(this.id)
      .pipe(filter(Boolean), takeUntilDestroyed())
      .subscribe(() => {
        this.liveLines.set([]);
        this.stickToBottom = true;
      });
    // Tail the log: keep the end in view while the reader has not scrolled up.
    afterRenderEffect(() => {
      this.logLines();
      const box = this.logBox()?.nativeElement;
      if (box && this.stickToBottom) box.scrollTop = box.scrollHeight;
    });
  }

  protected onLogScroll(event: Event): void {
    const box = event.target as HTMLElement;
    this.stickToBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 24;
  }

  /** Ask first; run `action` only on confirm. */
  private confirm(data: ConfirmDialogData, action: () => void): void {
    this.dialog
      .open<ConfirmDialog, ConfirmDialogData, boolean>(ConfirmDialog, { data, width: '440px', maxWidth: '92vw' })
      .afterClosed()
      .subscribe((yes) => {
        if (yes) action();
      });
  }

  protected askCancel(): void {
    this.confirm(
      {
        title: 'retryFailed.cancelTitle',
        message: 'retryFailed.cancelMessage',
        confirm: 'retryFailed.cancelYes',
        danger: true,
      },
      () => this.cancel(),
    );
  }

  protected askRetry(): void {
    this.confirm(
      { title: 'retryFailed.retryTitle', message: 'retryFailed.retryMessage', confirm: 'retryFailed.retryYes' },
      () => this.retry(),
    );
  }

  protected askRetryFailed(): void {
    const n = this.failedChildren();
    this.confirm(
      {
        title: 'retryFailed.title',
        message: 'retryFailed.message',
        confirm: 'retryFailed.yes',
        params: { n, total: this.execution.value()?.progress?.total ?? n },
      },
      () =>
        this.act(() =>
          this.api.retryFailed(this.id()).subscribe({
            next: () => this.done(),
            error: (error: unknown) => this.failed(error),
          }),
        ),
    );
  }

  protected cancel(): void {
    this.act(() =>
      this.api.cancel(this.id()).subscribe({
        next: () => this.done(),
        error: (error: unknown) => this.failed(error),
      }),
    );
  }

  protected retry(): void {
    this.act(() =>
      this.api.retry(this.id()).subscribe({
        next: (answer) => {
          this.busy.set(false);
          void this.router.navigate(['/executions', answer.execution.id]);
        },
        error: (error: unknown) => this.failed(error),
      }),
    );
  }

  private act(run: () => void): void {
    this.busy.set(true);
    this.actionError.set(null);
    run();
  }

  private done(): void {
    this.busy.set(false);
    this.execution.reload();
  }

  private failed(error: unknown): void {
    this.busy.set(false);
    this.actionError.set(apiErrorMessage(error));
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }
}

function buildTimeline(e: ExecutionDetail): TimelineStep[] {
  const steps: TimelineStep[] = [{ key: 'queued', at: e.createdAt }];
  const attempts = [...e.attempts].sort((a, b) => a.attempt - b.attempt);
  const firstStart = attempts.find((a) => a.startedAt)?.startedAt ?? e.startedAt;
  if (firstStart) steps.push({ key: 'started', at: firstStart });
  // Attempts are worth a line each when there was more than one (retries).
  if (attempts.length > 1) {
    for (const a of attempts) {
      steps.push({
        key: 'attempt',
        at: a.finishedAt,
        status: a.status,
        detail: [`#${a.attempt}`, a.httpStatus ? `HTTP ${a.httpStatus}` : '', a.error ?? '']
          .filter(Boolean)
          .join(' · '),
      });
    }
  }
  if (e.finishedAt) {
    const detail = [e.httpStatus ? `HTTP ${e.httpStatus}` : '', formatDuration(e.durationMs)]
      .filter(Boolean)
      .join(' · ');
    steps.push({ key: 'finished', at: e.finishedAt, status: e.status, detail });
  } else if (e.status === 'running') {
    steps.push({ key: 'running', at: null });
  }
  return steps;
}
