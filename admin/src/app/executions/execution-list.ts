import { CdkVirtualScrollViewport, ScrollingModule } from '@angular/cdk/scrolling';
import { BreakpointObserver } from '@angular/cdk/layout';
import {
  ChangeDetectionStrategy,
  Component,
  type OnInit,
  computed,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { rxResource, takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatAutocompleteModule } from '@angular/material/autocomplete';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { EXECUTION_STATUSES } from '@api-manager/contracts';
import type { ExecutionStatus, ExecutionSummary, ExecutionTrigger } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import { map, type Subscription } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { ExecutionsApi, type ExecutionQuery } from '../core/api/executions-api';
import { JobsApi } from '../core/api/jobs-api';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { DurationPipe, TimePipe, apiErrorMessage } from '../shared/format/format';
import { DisplayZone, zonedToIso } from '../shared/format/display-zone';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';

export { EXECUTION_STATUSES };
export const EXECUTION_TRIGGERS: readonly ExecutionTrigger[] = [
  'manual',
  'api',
  'schedule',
  'webhook',
  'chain',
  'retry',
  'fanout',
];

const PAGE_SIZE = 50;
/** `name:value`, as GET /executions?param= takes it. */
const PARAM_FILTER = /^[A-Za-z_][A-Za-z0-9_]*:.+$/;
/** Most job names the autocomplete offers at once. */
const SUGGESTIONS_MAX = 50;
/** Load the next page when the last rendered row is this close to the end of what is loaded. */
const PREFETCH_ROWS = 15;

/** Every execution, newest first: filters, endless scrolling over cursor pages, live status. */
@Component({
  selector: 'app-execution-list',
  imports: [
    FormsModule,
    MatAutocompleteModule,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    RouterLink,
    ScrollingModule,
    TranslatePipe,
    DurationPipe,
    ExecStatus,
    Icon,
    PageHeader,
    TimePipe,
  ],
  templateUrl: './execution-list.html',
  styleUrl: './execution-list.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExecutionList implements OnInit {
  private readonly api = inject(ExecutionsApi);
  private readonly jobsApi = inject(JobsApi);
  private readonly router = inject(Router);
  private readonly translate = inject(TranslateService);
  private readonly viewport = viewChild(CdkVirtualScrollViewport);
  protected readonly lang = inject(LanguageService).language;
  /** The display zone: the From / To filters are read on its clock. */
  protected readonly zone = inject(DisplayZone).zone;
  protected readonly statuses = EXECUTION_STATUSES;
  protected readonly triggers = EXECUTION_TRIGGERS;

  /** Set when embedded in a job's page (its Runs tab): the list is that job's, without a job filter. */
  readonly fixedJob = input<string>();

  protected readonly job = signal('');
  protected readonly param = signal('');
  /** A filter the client already knows is wrong (translated), instead of asking the server. */
  protected readonly filterError = signal<string | null>(null);
  /** Below 600 px the rows are cards (every field on its own line, the time with its hour). */
  protected readonly narrow = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 599.98px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly rowHeight = computed(() => (this.narrow() ? 132 : 56));
  /** Every job name (all pages of /jobs), for the job filter's autocomplete. */
  private readonly jobNames = rxResource({
    params: () => (this.fixedJob() ? undefined : true),
    stream: () => this.jobsApi.list().pipe(map((list) => list.items.map((j) => j.name).sort())),
  });
  protected readonly suggestions = computed(() => {
    const typed = this.job().trim().toLowerCase();
    const names = this.jobNames.hasValue() ? this.jobNames.value() : [];
    return names.filter((n) => n.toLowerCase().includes(typed)).slice(0, SUGGESTIONS_MAX);
  });
  protected readonly status = signal<ExecutionStatus[]>([]);
  protected readonly trigger = signal<ExecutionTrigger[]>([]);
  protected readonly since = signal('');
  protected readonly until = signal('');

  protected readonly items = signal<ExecutionSummary[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly loaded = signal(false);
  private request?: Subscription;

  constructor() {
    const query = inject(ActivatedRoute).snapshot.queryParamMap;
    this.job.set(query.get('job') ?? '');
    this.param.set(query.get('param') ?? '');
    const trigger = query.get('trigger');
    if (trigger) this.trigger.set(trigger.split(',') as ExecutionTrigger[]);
    const status = query.get('status');
    if (status) this.status.set(status.split(',') as ExecutionStatus[]);
    inject(LiveEvents)
      .events$.pipe(takeUntilDestroyed())
      .subscribe((live) => {
        if (live.type === 'open') {
          if (this.loaded()) this.refreshHead();
          return;
        }
        if (live.type !== 'execution') return;
        const event = live.data;
        const index = this.items().findIndex((item) => item.id === event.id);
        if (index >= 0) {
          this.items.update((items) =>
            items.map((item, i) =>
              i === index ? { ...item, status: event.status, progress: event.progress ?? item.progress } : item,
            ),
          );
        } else {
          this.refreshHead();
        }
      });
  }

  /** The first page, once the inputs (fixedJob) are set. */
  ngOnInit(): void {
    this.reload();
  }

  /** First page again with the current filters. */
  protected reload(): void {
    this.request?.unsubscribe();
    // Keep the job / status / trigger / param filters in the address, so the view can be linked to
    // (merged: a job page keeps its ?tab=).
    void this.router.navigate([], {
      queryParams: {
        job: this.fixedJob() ? null : this.job().trim() || null,
        status: this.status().join(',') || null,
        trigger: this.trigger().join(',') || null,
        param: this.param().trim() || null,
      },
      queryParamsHandling: 'merge',
      replaceUrl: true,
    });
    this.items.set([]);
    this.nextCursor.set(null);
    this.loaded.set(false);
    const problem = this.checkFilters();
    this.filterError.set(problem);
    if (problem) {
      this.loaded.set(true);
      return;
    }
    this.fetch();
  }

  /** A translated message for a filter that cannot be right (unknown job, malformed param), else null. */
  private checkFilters(): string | null {
    const param = this.param().trim();
    if (param && !PARAM_FILTER.test(param)) return this.translate.instant('executionFilters.paramInvalid');
    const job = this.job().trim();
    if (!this.fixedJob() && job && this.jobNames.hasValue() && !this.jobNames.value().includes(job)) {
      return this.translate.instant('executionFilters.unknownJob', { job });
    }
    return null;
  }

  protected clearFilters(): void {
    this.param.set('');
    this.job.set('');
    this.status.set([]);
    this.trigger.set([]);
    this.since.set('');
    this.until.set('');
    this.reload();
  }

  protected onScroll(): void {
    const viewport = this.viewport();
    if (!viewport || this.loading() || !this.nextCursor()) return;
    if (viewport.getRenderedRange().end >= this.items().length - PREFETCH_ROWS) {
      this.fetch();
    }
  }

  protected loadMore(): void {
    if (!this.loading() && this.nextCursor()) this.fetch();
  }

  protected trackId(_index: number, item: ExecutionSummary): string {
    return item.id;
  }

  private query(): ExecutionQuery {
    return {
      job: this.fixedJob() ?? (this.job().trim() || undefined),
      param: this.param().trim() || undefined,
      status: this.status(),
      trigger: this.trigger(),
      since: zonedToIso(this.since(), this.zone()),
      until: zonedToIso(this.until(), this.zone()),
      limit: PAGE_SIZE,
    };
  }

  private fetch(): void {
    this.loading.set(true);
    this.error.set(null);
    const cursor = this.nextCursor() ?? undefined;
    this.request = this.api.list({ ...this.query(), cursor }).subscribe({
      next: (page) => {
        const known = new Set(this.items().map((item) => item.id));
        this.items.update((items) => [...items, ...page.items.filter((item) => !known.has(item.id))]);
        this.nextCursor.set(page.nextCursor);
        this.loading.set(false);
        this.loaded.set(true);
        // A short first page may not fill the viewport: keep loading until it scrolls.
        queueMicrotask(() => this.onScroll());
      },
      error: (error: unknown) => {
        this.error.set(apiErrorMessage(error));
        this.loading.set(false);
        this.loaded.set(true);
      },
    });
  }

  private headTimer?: ReturnType<typeof setTimeout>;

  /** New executions appeared: fetch the newest page and put the unknown ones on top (batched). */
  private refreshHead(): void {
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      this.api.list(this.query()).subscribe({
        next: (page) => {
          const byId = new Map(page.items.map((item) => [item.id, item]));
          const known = new Set(this.items().map((item) => item.id));
          const fresh = page.items.filter((item) => !known.has(item.id));
          this.items.update((items) => [...fresh, ...items.map((item) => byId.get(item.id) ?? item)]);
          if (!this.loaded()) this.nextCursor.set(page.nextCursor);
        },
        error: () => undefined,
      });
    }, 500);
  }
}
