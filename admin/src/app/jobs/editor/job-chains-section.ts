import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { type FormArray, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';

import { type ChainRow, chainRow } from '../job-form';
import { JobEditorSection } from './job-editor-section';
import { SECTION_VIEW_PROVIDERS } from './section-providers';

/** The job editor's Chains section: the jobs to run on success and on failure, with their params. */
@Component({
  selector: 'app-job-chains-section',
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule, TranslatePipe],
  templateUrl: './job-chains-section.html',
  styleUrl: '../job-editor.scss',
  viewProviders: SECTION_VIEW_PROVIDERS,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobChainsSection extends JobEditorSection {
  /** Other jobs, for the pickers. */
  readonly jobNames = input<string[]>([]);

  protected readonly chainPlaceholder = '{"day": "{{ parent.params.day }}"}';

  protected addChain(list: FormArray<ChainRow>): void {
    list.push(chainRow());
  }
}
