import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { rxResource, toSignal } from '@angular/core/rxjs-interop';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTooltipModule } from '@angular/material/tooltip';
import { RouterLink } from '@angular/router';
import type { UpcomingRun } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import { interval, map, startWith } from 'rxjs';

import { OverviewApi } from '../../core/api/overview-api';
import { LanguageService } from '../../core/i18n/language';
import { DisplayZone } from '../format/display-zone';
import { apiErrorMessage, formatDateTime } from '../format/format';

/** Rows shown at most (jobs with the earliest runs first); the rest are counted. */
const ROWS_MAX = 40;

interface Tick {
  key: string;
  left: number;
  run: UpcomingRun;
  /** Other jobs' runs in the same minute. */
  collision: boolean;
  label: string;
}

interface Row {
  job: string;
  title: string;
  ticks: Tick[];
}

interface Collision {
  minute: number;
  at: string;
  jobs: string[];
}

const minuteOf = (iso: string) => Math.floor(Date.parse(iso) / 60_000);

/**
 * The next hours' runs of every schedule on one time axis (Cronicle's home page has one): a row per
 * job, a tick per run, runs of different jobs in the same minute marked as collisions and listed
 * below. Each tick is focusable; its label and tooltip give the job, the time in the display zone
 * and in the schedule's zone.
 */
@Component({
  selector: 'app-upcoming-timeline',
  imports: [MatProgressBarModule, MatTooltipModule, RouterLink, TranslatePipe],
  templateUrl: './upcoming-timeline.html',
  styleUrl: './upcoming-timeline.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UpcomingTimeline {
  private readonly api = inject(OverviewApi);
  private readonly translate = inject(TranslateService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly zone = inject(DisplayZone).zone;

  readonly hours = input(6);

  /** Refreshed every minute: the window moves with the clock. */
  private readonly minute = toSignal(
    interval(60_000).pipe(
      startWith(0),
      map((n) => n),
    ),
    { initialValue: 0 },
  );
  protected readonly upcoming = rxResource({
    params: () => ({ hours: this.hours(), tick: this.minute() }),
    stream: ({ params }) => this.api.upcoming(params.hours),
  });

  protected readonly collisions = computed<Collision[]>(() => {
    if (!this.upcoming.hasValue()) return [];
    const byMinute = new Map<number, { at: string; jobs: Set<string> }>();
    for (const run of this.upcoming.value().items) {
      const m = minuteOf(run.at);
      const entry = byMinute.get(m) ?? { at: run.at, jobs: new Set<string>() };
      entry.jobs.add(run.job);
      byMinute.set(m, entry);
    }
    return [...byMinute.entries()]
      .filter(([, e]) => e.jobs.size > 1)
      .map(([minute, e]) => ({ minute, at: e.at, jobs: [...e.jobs].sort() }));
  });

  private readonly collisionMinutes = computed(() => new Set(this.collisions().map((c) => c.minute)));

  protected readonly rows = computed<Row[]>(() => {
    if (!this.upcoming.hasValue()) return [];
    const u = this.upcoming.value();
    const from = Date.parse(u.from);
    const span = Math.max(1, Date.parse(u.to) - from);
    const collide = this.collisionMinutes();
    const byJob = new Map<string, Row>();
    const seen = new Set<string>();
    for (const run of u.items) {
      const m = minuteOf(run.at);
      // One tick per job and minute (an every-second schedule would draw 60 on one pixel).
      const key = `${run.job}|${m}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const row = byJob.get(run.job) ?? { job: run.job, title: run.jobTitle, ticks: [] };
      row.ticks.push({
        key,
        left: (100 * (Date.parse(run.at) - from)) / span,
        run,
        collision: collide.has(m),
        label: this.tickLabel(run, collide.has(m)),
      });
      byJob.set(run.job, row);
    }
    return [...byJob.values()];
  });
  protected readonly shownRows = computed(() => this.rows().slice(0, ROWS_MAX));
  protected readonly hiddenRows = computed(() => Math.max(0, this.rows().length - ROWS_MAX));

  /** Hour marks on the axis, in the display zone. */
  protected readonly marks = computed(() => {
    if (!this.upcoming.hasValue()) return [];
    const u = this.upcoming.value();
    const from = Date.parse(u.from);
    const to = Date.parse(u.to);
    const out: { left: number; label: string }[] = [];
    const fmt = new Intl.DateTimeFormat(this.lang() === 'ja' ? 'ja-JP' : 'en-US', {
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZone: this.zone(),
    });
    // Whole hours of the display zone (zones with :30/:45 offsets get their own whole hours).
    for (let t = Math.ceil(from / 900_000) * 900_000; t <= to; t += 900_000) {
      const parts = fmt.formatToParts(new Date(t));
      if (parts.find((p) => p.type === 'minute')?.value !== '00') continue;
      out.push({ left: (100 * (t - from)) / (to - from), label: fmt.format(new Date(t)) });
    }
    return out;
  });

  protected time(iso: string, zone?: string): string {
    return formatDateTime(iso, this.lang(), zone ?? this.zone());
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  private tickLabel(run: UpcomingRun, collision: boolean): string {
    const params = {
      job: run.job,
      schedule: run.scheduleName,
      time: formatDateTime(run.at, this.lang(), this.zone()),
      local: formatDateTime(run.at, this.lang(), run.timezone),
    };
    const text: string = this.translate.instant('timeline.tick', params);
    return collision ? `${text} · ${this.translate.instant('timeline.collision') as string}` : text;
  }
}
