import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { JsonPipe } from '@angular/common';
import { MatButtonModule } from '@angular/material/button';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router, RouterLink } from '@angular/router';
import { ACTIVE_STATUSES } from '@api-manager/contracts';
import type {
  CommandRequestSnapshot,
  CommandResponseSnapshot,
  ExecutionDetail,
  ExecutionRequestSnapshot,
  ExecutionResponseSnapshot,
} from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { Subject, debounceTime } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { ExecutionsApi } from '../core/api/executions-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { DurationPipe, JsonTextPipe, TimePipe, apiErrorMessage, formatDuration } from '../shared/format/format';
import { PageHeader } from '../shared/page-header/page-header';

const ACTIVE: ReadonlySet<string> = new Set(ACTIVE_STATUSES);

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
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;

  /** Route parameter (component input binding). */
  readonly id = input.required<string>();

  protected readonly execution = rxResource({ params: () => this.id(), stream: ({ params }) => this.api.get(params) });
  protected readonly busy = signal(false);
  protected readonly actionError = signal<string | null>(null);

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
          // A command job wrote output lines: show them while it runs.
          changed.next();
        }
      });
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
