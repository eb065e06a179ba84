import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import { rxResource, toObservable, toSignal } from '@angular/core/rxjs-interop';
import type { JobView } from '@api-manager/contracts';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatSlideToggleModule, type MatSlideToggleChange } from '@angular/material/slide-toggle';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { debounceTime, firstValueFrom } from 'rxjs';

import { apiErrors } from '../core/api/api-errors';
import { JobStatusStore } from '../core/api/job-status-store';
import { JobsApi } from '../core/api/jobs-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { PageHeader } from '../shared/page-header/page-header';
import { RunDialog, type RunDialogData } from './run-dialog';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { formatTime } from './time';

/** Searchable list of jobs with enable/disable, status and a Run button. */
@Component({
  selector: 'app-job-list',
  imports: [
    MatButtonModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatSlideToggleModule,
    RouterLink,
    TranslatePipe,
    PageHeader,
    ExecStatus,
  ],
  providers: [JobStatusStore],
  templateUrl: './job-list.html',
  styleUrl: './job-list.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobList {
  private readonly api = inject(JobsApi);
  private readonly dialog = inject(MatDialog);
  private readonly store = inject(JobStatusStore);
  protected readonly auth = inject(AuthService);
  protected readonly language = inject(LanguageService).language;

  protected readonly search = signal('');
  protected readonly group = signal('');
  private readonly query = toSignal(toObservable(this.search).pipe(debounceTime(250)), { initialValue: '' });
  protected readonly groups = signal<readonly string[]>([]);
  protected readonly statuses = this.store.statuses;
  protected readonly message = signal<string | null>(null);

  protected readonly jobs = rxResource({
    params: () => ({ q: this.query().trim() || undefined, group: this.group() || undefined }),
    stream: ({ params }) => this.api.list(params),
  });

  constructor() {
    effect(() => {
      const list = this.jobs.hasValue() ? this.jobs.value().items : [];
      this.store.track(list.map((job) => job.name));
      const known = new Set(this.groups());
      const fresh = list.map((job) => job.group).filter((g): g is string => !!g && !known.has(g));
      if (fresh.length) {
        this.groups.set([...known, ...fresh].sort());
      }
    });
  }

  protected time(value: string | null | undefined): string {
    return formatTime(value, this.language());
  }

  protected async toggle(job: JobView, change: MatSlideToggleChange): Promise<void> {
    this.message.set(null);
    try {
      const updated = await firstValueFrom(this.api.update(job.name, { enabled: change.checked }));
      this.jobs.update((list) =>
        list ? { ...list, items: list.items.map((item) => (item.id === updated.id ? updated : item)) } : list,
      );
    } catch (error) {
      change.source.checked = job.enabled;
      this.message.set(apiErrors(error).all.join(' '));
    }
  }

  protected run(job: JobView): void {
    this.dialog.open<RunDialog, RunDialogData>(RunDialog, {
      data: { job },
      width: '640px',
      maxWidth: '95vw',
      autoFocus: 'first-tabbable',
    });
  }
}
