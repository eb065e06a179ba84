import { type Provider } from '@angular/core';
import { ControlContainer, FormGroupDirective } from '@angular/forms';

/** A section's `formGroupName` / `formArrayName` bind to the editor's `<form [formGroup]>`. */
export const SECTION_VIEW_PROVIDERS: Provider[] = [{ provide: ControlContainer, useExisting: FormGroupDirective }];
