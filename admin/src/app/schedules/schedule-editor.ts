import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
import { rxResource, toObservable, toSignal } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { Router, RouterLink } from '@angular/router';
import type { CreateScheduleRequest, MisfirePolicy, Schedule, SchedulePreview } from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import { catchError, debounceTime, distinctUntilChanged, map, of, switchMap } from 'rxjs';

import { SchedulesApi } from '../core/api/schedules-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { CronTextPipe } from '../shared/cron-text/cron-text';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { BROWSER_ZONE, isTimeZone, isoToZoned, zonedToIso } from '../shared/format/display-zone';
import { PageHeader } from '../shared/page-header/page-header';

type Mode = 'cron' | 'interval';
type PreviewState = { ok: true; preview: SchedulePreview } | { ok: false; error: string } | null;

const ZONES: readonly string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC', 'Asia/Tokyo', 'Europe/London', 'America/New_York'];
  }
})();

/** Create or edit a schedule; the description and next 5 fire times follow the input (debounced). */
@Component({
  selector: 'app-schedule-editor',
  imports: [
    FormsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    RouterLink,
    TranslatePipe,
    CronTextPipe,
    PageHeader,
    TimePipe,
  ],
  templateUrl: './schedule-editor.html',
  styleUrl: './schedule-editor.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ScheduleEditor {
  private readonly api = inject(SchedulesApi);
  private readonly router = inject(Router);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly zones = ZONES;
  protected readonly policies: readonly MisfirePolicy[] = ['skip', 'run_once', 'run_all'];

  /** Route parameter; undefined on /schedules/new. */
  readonly id = input<string>();
  protected readonly isNew = computed(() => !this.id());

  protected readonly jobs = rxResource({ stream: () => this.api.jobs().pipe(map((list) => list.items)) });
  protected readonly existing = rxResource({
    params: () => this.id(),
    stream: ({ params }) => this.api.get(params),
  });

  protected readonly job = signal('');
  protected readonly name = signal('');
  protected readonly mode = signal<Mode>('cron');
  protected readonly cron = signal('0 9 * * 1-5');
  protected readonly interval = signal('15m');
  protected readonly timezone = signal(BROWSER_ZONE);
  protected readonly misfirePolicy = signal<MisfirePolicy>('run_once');
  protected readonly misfireCap = signal(100);
  protected readonly enabled = signal(true);
  protected readonly paramsText = signal('{}');
  /** Optional window, as `datetime-local` values on the wall clock of the schedule's zone. */
  protected readonly startsAt = signal('');
  protected readonly endsAt = signal('');
  /** The zone the window is read in: the schedule's when valid, else the browser's. */
  protected readonly windowZone = computed(() => {
    const zone = this.timezone().trim();
    return zone && isTimeZone(zone) ? zone : BROWSER_ZONE;
  });

  protected readonly saving = signal(false);
  protected readonly saveError = signal<string | null>(null);

  protected readonly paramsError = computed(() => {
    try {
      const value: unknown = JSON.parse(this.paramsText() || '{}');
      return value && typeof value === 'object' && !Array.isArray(value) ? null : 'object';
    } catch {
      return 'json';
    }
  });

  /** The preview of what is typed, 400 ms after the last keystroke. */
  protected readonly preview = toSignal(
    toObservable(
      computed(() => ({
        mode: this.mode(),
        cron: this.cron().trim(),
        interval: this.interval().trim(),
        timezone: this.timezone().trim(),
        locale: this.lang(),
      })),
    ).pipe(
      debounceTime(400),
      distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      switchMap((q) => {
        const expression = q.mode === 'cron' ? q.cron : q.interval;
        if (!expression) return of<PreviewState>(null);
        return this.api
          .preview({
            ...(q.mode === 'cron' ? { cron: q.cron } : { interval: q.interval }),
            timezone: q.timezone || undefined,
            count: 5,
            locale: q.locale,
          })
          .pipe(
            map((preview): PreviewState => ({ ok: true, preview })),
            catchError((error: unknown) => of<PreviewState>({ ok: false, error: apiErrorMessage(error) })),
          );
      }),
    ),
    { initialValue: null },
  );

  constructor() {
    // Fill the form once the schedule being edited has loaded.
    effect(() => {
      const s = this.existing.value();
      if (s) this.fill(s);
    });
  }

  protected save(): void {
    if (this.paramsError()) return;
    const params = JSON.parse(this.paramsText() || '{}') as Record<string, unknown>;
    const preview = this.preview();
    const timing =
      this.mode() === 'cron'
        ? { cron: this.cron().trim() }
        : {
            // The typed text, else what the server understood of it (when the preview is of an interval).
            intervalSeconds:
              parseInterval(this.interval()) ??
              (preview?.ok ? (preview.preview.intervalSeconds ?? undefined) : undefined),
          };
    const body = {
      name: this.name().trim() || undefined,
      ...timing,
      timezone: this.timezone().trim() || undefined,
      params,
      enabled: this.enabled(),
      misfirePolicy: this.misfirePolicy(),
      misfireCap: this.misfireCap(),
      startsAt: zonedToIso(this.startsAt(), this.windowZone()) ?? null,
      endsAt: zonedToIso(this.endsAt(), this.windowZone()) ?? null,
    };
    this.saving.set(true);
    this.saveError.set(null);
    const id = this.id();
    const request = id
      ? this.api.update(id, body)
      : this.api.create({ ...body, job: this.job() } as CreateScheduleRequest);
    request.subscribe({
      next: () => {
        this.saving.set(false);
        void this.router.navigate(['/schedules']);
      },
      error: (error: unknown) => {
        this.saving.set(false);
        this.saveError.set(apiErrorMessage(error));
      },
    });
  }

  protected remove(): void {
    const id = this.id();
    if (!id) return;
    this.saving.set(true);
    this.api.remove(id).subscribe({
      next: () => void this.router.navigate(['/schedules']),
      error: (error: unknown) => {
        this.saving.set(false);
        this.saveError.set(apiErrorMessage(error));
      },
    });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  private fill(s: Schedule): void {
    this.job.set(s.jobName);
    this.name.set(s.name);
    this.mode.set(s.cron ? 'cron' : 'interval');
    if (s.cron) this.cron.set(s.cron);
    if (s.intervalSeconds) this.interval.set(`${s.intervalSeconds}s`);
    this.timezone.set(s.timezone);
    this.misfirePolicy.set(s.misfirePolicy);
    this.misfireCap.set(s.misfireCap);
    this.enabled.set(s.enabled);
    this.paramsText.set(JSON.stringify(s.params ?? {}, null, 2));
    this.startsAt.set(isoToZoned(s.startsAt, s.timezone || BROWSER_ZONE));
    this.endsAt.set(isoToZoned(s.endsAt, s.timezone || BROWSER_ZONE));
  }
}

/** "90", "90s", "5m", "2h" → seconds (fallback when no preview answered yet). */
function parseInterval(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2].toLowerCase()] ?? 1;
  return Number(match[1]) * unit;
}
