import { ChangeDetectionStrategy, Component, computed } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { TranslatePipe } from '@ngx-translate/core';

import { headerRow } from '../job-form';
import { JobEditorSection } from './job-editor-section';
import { NESTED_VIEW_PROVIDERS } from './section-providers';

/** The Command part of the job editor's executor section: script, shell, env, checkout, commit back. */
@Component({
  selector: 'app-job-command-fields',
  imports: [ReactiveFormsModule, MatButtonModule, MatCheckboxModule, MatFormFieldModule, MatInputModule, TranslatePipe],
  templateUrl: './job-command-fields.html',
  styleUrl: '../job-editor.scss',
  viewProviders: NESTED_VIEW_PROVIDERS,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobCommandFields extends JobEditorSection {
  protected readonly ex = computed(() => this.form().controls.executor.controls);

  protected addEnv(): void {
    this.ex().env.push(headerRow());
  }
}
