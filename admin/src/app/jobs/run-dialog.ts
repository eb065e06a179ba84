import { ChangeDetectionStrategy, Component, DestroyRef, computed, inject, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { ReactiveFormsModule } from '@angular/forms';
import { FINAL_STATUSES } from '@api-manager/contracts';
import type { ExecutionDetail, ExecutionStatus, JobView, ResolveParamsResponse } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MAT_DIALOG_DATA, MatDialogModule, MatDialogRef } from '@angular/material/dialog';
import { MAT_FORM_FIELD_DEFAULT_OPTIONS } from '@angular/material/form-field';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { EMPTY, Subject, catchError, debounceTime, firstValueFrom, interval, of, startWith, switchMap } from 'rxjs';

import { type FieldErrors, apiErrors } from '../core/api/api-errors';
import { LiveEvents } from '../core/api/events';
import { JobsApi } from '../core/api/jobs-api';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { ParamsFields, paramsForm, paramsValue, showParamErrors } from './params-fields';

export interface RunDialogData {
  job: JobView;
}

const FINAL: ReadonlySet<ExecutionStatus> = new Set(FINAL_STATUSES);

/** Run a job: a form from its params schema, then the run's live status (and per-item status of a fan-out). */
@Component({
  selector: 'app-run-dialog',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatDialogModule,
    MatProgressBarModule,
    RouterLink,
    TranslatePipe,
    ParamsFields,
    ExecStatus,
  ],
  templateUrl: './run-dialog.html',
  styleUrl: './run-dialog.scss',
  providers: [{ provide: MAT_FORM_FIELD_DEFAULT_OPTIONS, useValue: { subscriptSizing: 'dynamic' } }],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class RunDialog {
  private readonly api = inject(JobsApi);
  private readonly dialog = inject<MatDialogRef<RunDialog>>(MatDialogRef);
  private readonly reload$ = new Subject<void>();

  protected readonly job = inject<RunDialogData>(MAT_DIALOG_DATA).job;
  protected readonly form = paramsForm(this.job.params);
  /** The list param a fan-out runs over: each child is labelled with its item. */
  protected readonly fanOut = this.job.params.find((param) => param.fanOut)?.name ?? '';
  protected readonly busy = signal(false);
  protected readonly errors = signal<FieldErrors | null>(null);
  protected readonly execution = signal<ExecutionDetail | null>(null);
  /** The server's resolution of the current values (defaults, templates, fan-out items). */
  protected readonly resolved = signal<ResolveParamsResponse | null>(null);
  protected readonly finished = computed(() => {
    const exec = this.execution();
    return !!exec && FINAL.has(exec.status);
  });
  protected readonly progress = computed(() => {
    const exec = this.execution();
    if (!exec?.progress || exec.progress.total === 0) {
      return null;
    }
    const { total, done, failed } = exec.progress;
    return { total, done, failed, percent: Math.round((100 * done) / total) };
  });

  constructor() {
    // Ask the server what a run would get, as the values change: the dialog and the run agree.
    if (this.job.params.length) {
      this.form.valueChanges
        .pipe(
          startWith(null),
          debounceTime(250),
          switchMap(() =>
            // A required field without a default is still empty: the server would only say so (400).
            this.missingRequired()
              ? of(null)
              : this.api
                  .resolve(this.job.name, paramsValue(this.job.params, this.form))
                  .pipe(catchError(() => of(null))),
          ),
          takeUntilDestroyed(),
        )
        .subscribe((resolved) => this.resolved.set(resolved));
    }
    // Subscribe before submitting, so the connection is open when the first events come.
    inject(LiveEvents)
      .events$.pipe(takeUntilDestroyed())
      .subscribe((event) => {
        const id = this.execution()?.id;
        if (!id) {
          return;
        }
        if (
          event.type === 'open' ||
          (event.type === 'execution' && (event.data.id === id || event.data.parentId === id))
        ) {
          this.reload$.next();
        }
      });
    this.reload$
      .pipe(
        debounceTime(150),
        switchMap(() => this.api.execution(this.execution()!.id).pipe(catchError(() => EMPTY))),
        takeUntilDestroyed(inject(DestroyRef)),
      )
      .subscribe((detail) => this.execution.set(detail));
    // A safety net for events missed while the stream (re)connects: look again every few seconds.
    interval(5000)
      .pipe(takeUntilDestroyed())
      .subscribe(() => {
        if (this.execution() && !this.finished()) {
          this.reload$.next();
        }
      });
  }

  private missingRequired(): boolean {
    return this.job.params.some(
      (def) =>
        def.required &&
        (def.default === undefined || def.default === null) &&
        (this.form.controls[def.name]?.value ?? '').trim() === '',
    );
  }

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.errors.set(null);
    try {
      const { execution } = await firstValueFrom(this.api.run(this.job.name, paramsValue(this.job.params, this.form)));
      this.execution.set({
        ...execution,
        request: null,
        response: null,
        attempts: [],
        logs: [],
        children: [],
        parent: null,
      });
      this.dialog.disableClose = false;
      // Events may have come before the answer: read the current state once.
      this.reload$.next();
    } catch (error) {
      const errors = apiErrors(error);
      this.errors.set(errors);
      showParamErrors(this.job.params, this.form, errors);
    } finally {
      this.busy.set(false);
    }
  }

  protected close(): void {
    this.dialog.close(this.execution()?.id ?? null);
  }
}
