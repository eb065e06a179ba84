import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, input, signal } from '@angular/core';
import { takeUntilDestroyed, toObservable } from '@angular/core/rxjs-interop';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import type { BackfillPreview, BackfillRequest, JobView, JsonValue } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { catchError, debounceTime, firstValueFrom, map, of, startWith, switchMap } from 'rxjs';

import { apiErrors } from '../core/api/api-errors';
import { BackfillApi } from '../core/api/backfill-api';
import { JobsApi } from '../core/api/jobs-api';
import { PageHeader } from '../shared/page-header/page-header';

type Preview =
  { kind: 'none' } | { kind: 'loading' } | { kind: 'ok'; value: BackfillPreview } | { kind: 'error'; message: string };

/** The items of a list field: one per line or comma separated. */
function items(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Backfill a job: a date range × key lists, only-missing, parallelism; a live count; submit opens the parent run. */
@Component({
  selector: 'app-backfill-form',
  imports: [
    ReactiveFormsModule,
    RouterLink,
    TranslatePipe,
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSlideToggleModule,
    PageHeader,
  ],
  templateUrl: './backfill-form.html',
  styleUrl: './backfill-form.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class BackfillForm {
  private readonly jobsApi = inject(JobsApi);
  private readonly api = inject(BackfillApi);
  private readonly router = inject(Router);
  private readonly destroyRef = inject(DestroyRef);

  /** Route param `:name`. */
  readonly name = input.required<string>();

  protected readonly job = signal<JobView | null>(null);
  protected readonly loadError = signal('');
  protected readonly submitError = signal('');
  protected readonly busy = signal(false);
  protected readonly preview = signal<Preview>({ kind: 'none' });

  /** The param each date goes to: the job's first date (or daterange) param. */
  protected readonly dateParam = computed(
    () => this.job()?.params.find((p) => p.type === 'date' || p.type === 'daterange')?.name ?? null,
  );
  /** Key lists the form asks for: the job's fan-out params (other than the date param). */
  protected readonly keyParams = computed(() =>
    (this.job()?.params ?? []).filter((p) => p.fanOut && p.name !== this.dateParam()).map((p) => p.name),
  );

  protected readonly form = new FormGroup({
    from: new FormControl('', { nonNullable: true }),
    to: new FormControl('', { nonNullable: true }),
    keys: new FormGroup<Record<string, FormControl<string>>>({}),
    onlyMissing: new FormControl(true, { nonNullable: true }),
    parallelism: new FormControl('', { nonNullable: true }),
  });

  constructor() {
    toObservable(this.name)
      .pipe(
        switchMap((name) => this.jobsApi.get(name)),
        takeUntilDestroyed(),
      )
      .subscribe({
        next: (job) => {
          for (const p of job.params.filter((x) => x.fanOut)) {
            this.form.controls.keys.addControl(p.name, new FormControl('', { nonNullable: true }));
          }
          this.job.set(job);
        },
        error: (error: unknown) => this.loadError.set(apiErrors(error).all.join(' ')),
      });
    // The count follows the form (debounced); nothing is created.
    this.form.valueChanges
      .pipe(
        startWith(null),
        debounceTime(300),
        map(() => this.request()),
        switchMap((body) => {
          if (!body) return of<Preview>({ kind: 'none' });
          this.preview.set({ kind: 'loading' });
          return this.api.preview(body).pipe(
            map((value): Preview => ({ kind: 'ok', value })),
            catchError((error: unknown) => of<Preview>({ kind: 'error', message: apiErrors(error).all.join(' ') })),
          );
        }),
        takeUntilDestroyed(this.destroyRef),
      )
      .subscribe((p) => this.preview.set(p));
  }

  /** The request the form describes, or null while it is incomplete. */
  private request(): BackfillRequest | null {
    const job = this.job();
    const v = this.form.getRawValue();
    if (!job || !v.from || !v.to) return null;
    const params: Record<string, JsonValue> = {};
    for (const name of this.keyParams()) {
      const list = items(v.keys[name] ?? '');
      if (!list.length) return null;
      params[name] = list;
    }
    const body: BackfillRequest = { job: job.name, dates: `${v.from}..${v.to}`, params, onlyMissing: v.onlyMissing };
    // A number input gives a number (or '' when empty).
    const raw = String((v.parallelism as string | number | null) ?? '').trim();
    const par = Number(raw);
    if (raw !== '' && Number.isInteger(par) && par > 0) body.parallelism = par;
    return body;
  }

  protected onSubmit(): void {
    void this.submit();
  }

  private async submit(): Promise<void> {
    const body = this.request();
    if (!body || this.busy()) return;
    this.busy.set(true);
    this.submitError.set('');
    try {
      const res = await firstValueFrom(this.api.create(body));
      await this.router.navigate(['/executions', res.executionId]);
    } catch (error) {
      this.submitError.set(apiErrors(error).all.join(' '));
    } finally {
      this.busy.set(false);
    }
  }
}
