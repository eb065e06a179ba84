import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatButtonToggleModule } from '@angular/material/button-toggle';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';

import { METHODS, headerRow, queryRow } from '../job-form';
import { TemplateHelp } from '../../shared/template-help/template-help';
import { JobCommandFields } from './job-command-fields';
import { JobEditorSection } from './job-editor-section';
import { SECTION_VIEW_PROVIDERS } from './section-providers';

/** The job editor's executor section: the kind, then the HTTP request (method, URL, query, headers, body) or the command. */
@Component({
  selector: 'app-job-request-section',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatButtonToggleModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    TranslatePipe,
    JobCommandFields,
    TemplateHelp,
  ],
  templateUrl: './job-request-section.html',
  styleUrl: '../job-editor.scss',
  viewProviders: SECTION_VIEW_PROVIDERS,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobRequestSection extends JobEditorSection {
  readonly kind = input<'http' | 'command'>('http');
  readonly commandJobsDisabled = input(false);

  protected readonly methods = METHODS;
  protected readonly ex = computed(() => this.form().controls.executor.controls);

  protected addQuery(): void {
    this.ex().query.push(queryRow());
  }
  protected addHeader(): void {
    this.ex().headers.push(headerRow());
  }
}
