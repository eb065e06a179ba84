import { Directive, input } from '@angular/core';
import type { FormArray } from '@angular/forms';

import { type FieldErrors, errorsUnder } from '../../core/api/api-errors';
import type { JobForm } from '../job-form';

/**
 * What every section of the job editor shares: the editor's form (the section's controls bind to it
 * through the editor's FormGroupDirective, see SECTION_VIEW_PROVIDERS), read-only mode, the server's
 * field errors, and removing a row of a list.
 */
@Directive()
export abstract class JobEditorSection {
  readonly form = input.required<JobForm>();
  readonly readOnly = input(false);
  readonly errors = input<FieldErrors | null>(null);

  protected remove(list: FormArray, index: number): void {
    list.removeAt(index);
    list.markAsDirty();
  }

  /** Messages for a section, e.g. `executor.headers`. */
  protected errorsFor(path: string): string[] {
    return errorsUnder(this.errors(), path);
  }
}
