import {
  ChangeDetectionStrategy,
  Component,
  Injector,
  afterNextRender,
  computed,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { type AbstractControl, FormArray, ReactiveFormsModule } from '@angular/forms';
import type { JobView, RenderResponse } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatDialog } from '@angular/material/dialog';
import { MAT_FORM_FIELD_DEFAULT_OPTIONS, MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule } from '@angular/material/slide-toggle';
import { Router, RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { firstValueFrom, of } from 'rxjs';

import { type FieldErrors, apiErrors, errorsUnder } from '../core/api/api-errors';
import { JobsApi } from '../core/api/jobs-api';
import { AuthService } from '../core/auth/auth.service';
import { PageHeader } from '../shared/page-header/page-header';
import { JobChainsSection } from './editor/job-chains-section';
import { JobParamsSection } from './editor/job-params-section';
import { JobRequestSection } from './editor/job-request-section';
import { JobTriggersSection } from './editor/job-triggers-section';
import { COMMAND_TIMEOUT_MS, HTTP_TIMEOUT_MS, fillForm, jobForm, toDefinition } from './job-form';
import { JobNotifications } from './job-notifications';
import { ParamsFields, paramsForm, paramsValue, showParamErrors } from './params-fields';
import { RunDialog, type RunDialogData } from './run-dialog';

/** Create or edit a job: the HTTP request, params schema, policies, chains and webhook triggers. */
@Component({
  selector: 'app-job-editor',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSlideToggleModule,
    RouterLink,
    TranslatePipe,
    PageHeader,
    ParamsFields,
    JobNotifications,
    JobRequestSection,
    JobParamsSection,
    JobChainsSection,
    JobTriggersSection,
  ],
  templateUrl: './job-editor.html',
  styleUrl: './job-editor.scss',
  providers: [{ provide: MAT_FORM_FIELD_DEFAULT_OPTIONS, useValue: { subscriptSizing: 'dynamic' } }],
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobEditor {
  private readonly api = inject(JobsApi);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);
  private readonly injector = inject(Injector);
  protected readonly auth = inject(AuthService);

  /** Route parameter: the job's name; absent on /jobs/new. */
  readonly name = input<string>();

  protected readonly form = jobForm();
  protected readonly ex = this.form.controls.executor.controls;
  protected readonly saving = signal(false);
  /** The delete button asks once before deleting. */
  protected readonly confirmingDelete = signal(false);
  protected readonly saved = signal(false);
  protected readonly errors = signal<FieldErrors | null>(null);
  protected readonly job = signal<JobView | null>(null);
  /** A job with a date param can be backfilled over a date range. */
  protected readonly hasDateParam = computed(() =>
    (this.job()?.params ?? []).some((p) => p.type === 'date' || p.type === 'daterange'),
  );
  protected readonly isNew = computed(() => !this.name());
  protected readonly readOnly = computed(() => !this.auth.can('jobs.edit'));

  protected readonly loaded = rxResource({
    params: () => this.name(),
    stream: ({ params }) => (params ? this.api.get(params) : of(null)),
  });
  /** Whether this server runs command jobs (COMMAND_JOBS_ENABLED). */
  protected readonly capabilities = rxResource({ stream: () => this.api.capabilities() });
  protected readonly commandJobsDisabled = computed(
    () => this.capabilities.hasValue() && !this.capabilities.value().commandJobs,
  );
  protected readonly kind = signal<'http' | 'command'>('http');
  /** Other jobs, for the chain pickers. */
  protected readonly allJobs = rxResource({ stream: () => this.api.list() });
  protected readonly jobNames = computed(() =>
    (this.allJobs.hasValue() ? this.allJobs.value().items : [])
      .map((job) => job.name)
      .filter((name) => name !== this.name()),
  );

  // Preview: params generated from the saved job's schema.
  private readonly previewDefs = computed(() => this.job()?.params ?? [], {
    equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  protected readonly previewForm = computed(() => paramsForm(this.previewDefs()));
  protected readonly preview = signal<RenderResponse | null>(null);
  protected readonly previewErrors = signal<FieldErrors | null>(null);
  protected readonly previewing = signal(false);

  constructor() {
    // The URL is required for HTTP jobs only; switching kinds swaps the default timeout.
    this.ex.kind.valueChanges.pipe(takeUntilDestroyed()).subscribe((kind) => {
      this.kind.set(kind);
      if (kind === 'command') {
        this.ex.url.disable({ emitEvent: false });
        if (this.ex.timeoutMs.value === HTTP_TIMEOUT_MS) this.ex.timeoutMs.setValue(COMMAND_TIMEOUT_MS);
      } else {
        if (!this.readOnly() && !this.form.disabled) this.ex.url.enable({ emitEvent: false });
        if (this.ex.timeoutMs.value === COMMAND_TIMEOUT_MS) this.ex.timeoutMs.setValue(HTTP_TIMEOUT_MS);
      }
    });
    effect(() => {
      const job = this.loaded.hasValue() ? this.loaded.value() : null;
      if (job) {
        this.job.set(job);
        fillForm(this.form, job);
        this.form.controls.name.disable();
      }
      // After filling: rows pushed into a disabled array would be enabled again.
      if (this.readOnly()) {
        this.form.disable();
      }
    });
  }

  /** Messages for a section, e.g. `notifications`. */
  protected errorsFor(path: string): string[] {
    return errorsUnder(this.errors(), path);
  }

  protected async save(): Promise<void> {
    this.saved.set(false);
    const local: string[] = [];
    const definition = toDefinition(this.form, local);
    if (local.length) {
      this.showErrors({ status: 400, all: local, fields: fieldsOf(local) });
      return;
    }
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.saving.set(true);
    this.errors.set(null);
    try {
      const current = this.job();
      const saved = current
        ? await firstValueFrom(
            this.api.update(current.name, { ...definition, name: undefined, version: current.version }),
          )
        : await firstValueFrom(this.api.create(definition));
      this.job.set(saved);
      fillForm(this.form, saved);
      this.form.controls.name.disable();
      this.form.markAsPristine();
      this.saved.set(true);
      if (!current) {
        await this.router.navigate(['/jobs', saved.name], { replaceUrl: true, queryParams: { tab: 'edit' } });
      }
    } catch (error) {
      this.showErrors(apiErrors(error));
    } finally {
      this.saving.set(false);
    }
  }

  protected async runPreview(): Promise<void> {
    const job = this.job();
    if (!job) {
      return;
    }
    this.previewing.set(true);
    this.previewErrors.set(null);
    const form = this.previewForm();
    try {
      this.preview.set(await firstValueFrom(this.api.render(job.name, paramsValue(job.params, form))));
    } catch (error) {
      const errors = apiErrors(error);
      this.preview.set(null);
      this.previewErrors.set(errors);
      showParamErrors(job.params, form, errors);
    } finally {
      this.previewing.set(false);
    }
  }

  protected run(): void {
    const job = this.job();
    if (job) {
      this.dialog.open<RunDialog, RunDialogData>(RunDialog, { data: { job }, width: '640px', maxWidth: '95vw' });
    }
  }

  protected async deleteJob(): Promise<void> {
    const job = this.job();
    if (!job) return;
    // Two steps, as revoking a token: the first click asks, the second deletes.
    if (!this.confirmingDelete()) {
      this.confirmingDelete.set(true);
      return;
    }
    this.confirmingDelete.set(false);
    try {
      await firstValueFrom(this.api.remove(job.name));
      await this.router.navigate(['/jobs']);
    } catch (error) {
      this.showErrors(apiErrors(error));
    }
  }

  /** The preview is below the form: bring it into view and move focus there. */
  protected goToPreview(): void {
    const heading = globalThis.document?.getElementById('sec-preview');
    heading?.scrollIntoView({ behavior: 'smooth', block: 'start' });
    heading?.focus({ preventScroll: true });
  }

  protected headerEntries(headers: Record<string, string>): [string, string][] {
    return Object.entries(headers);
  }

  /** The summary at the top, and each message on its control when the path names one. */
  private showErrors(errors: FieldErrors): void {
    this.errors.set(errors);
    for (const [path, messages] of Object.entries(errors.fields)) {
      const control: AbstractControl | null = this.form.get(path);
      if (control && !(control instanceof FormArray)) {
        control.setErrors({ server: messages.join(' ') });
        control.markAsTouched();
      }
    }
    // Move focus to the summary once it is rendered, so screen readers and keyboards land on it.
    afterNextRender(() => globalThis.document?.getElementById('job-errors')?.focus(), { injector: this.injector });
  }
}

function fieldsOf(messages: string[]): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const message of messages) {
    const path = message.split(' ')[0]!;
    (fields[path] ??= []).push(message);
  }
  return fields;
}
