import { ChangeDetectionStrategy, Component } from '@angular/core';
import { ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { TranslatePipe } from '@ngx-translate/core';

import { matchesPatterns } from '../glob';
import { triggerRow } from '../job-form';
import { JobEditorSection } from './job-editor-section';
import { SECTION_VIEW_PROVIDERS } from './section-providers';

/** The job editor's Webhook triggers section: repository, branches, watchFiles, and a path tester. */
@Component({
  selector: 'app-job-triggers-section',
  imports: [ReactiveFormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, TranslatePipe],
  templateUrl: './job-triggers-section.html',
  styleUrl: '../job-editor.scss',
  viewProviders: SECTION_VIEW_PROVIDERS,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobTriggersSection extends JobEditorSection {
  protected addTrigger(): void {
    this.form().controls.triggers.controls.github.push(triggerRow());
  }

  protected patternResults(patterns: string, paths: string): { path: string; matched: boolean }[] {
    const globs = patterns
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean);
    return paths
      .split('\n')
      .map((p) => p.trim())
      .filter(Boolean)
      .map((path) => ({ path, matched: matchesPatterns(globs, path) }));
  }
}
