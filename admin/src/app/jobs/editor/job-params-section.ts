import { ChangeDetectionStrategy, Component } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';

import { PARAM_TYPES, paramRow } from '../job-form';
import { JobEditorSection } from './job-editor-section';
import { SECTION_VIEW_PROVIDERS } from './section-providers';

/** The job editor's Params section: each param's name, type, default, pattern, fan-out, secret. */
@Component({
  selector: 'app-job-params-section',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatSelectModule,
    TranslatePipe,
  ],
  templateUrl: './job-params-section.html',
  styleUrl: '../job-editor.scss',
  viewProviders: SECTION_VIEW_PROVIDERS,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobParamsSection extends JobEditorSection {
  protected readonly paramTypes = PARAM_TYPES;

  protected addParam(): void {
    this.form().controls.params.push(paramRow());
  }
}
