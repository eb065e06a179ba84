import { type Provider, inject } from '@angular/core';
import { ControlContainer, FormGroupDirective } from '@angular/forms';

/** A section's `formGroupName` / `formArrayName` bind to the editor's `<form [formGroup]>`. */
export const SECTION_VIEW_PROVIDERS: Provider[] = [{ provide: ControlContainer, useExisting: FormGroupDirective }];

/** A part of a section (inside its `formGroupName`) binds to that group: the nearest ControlContainer above. */
export const NESTED_VIEW_PROVIDERS: Provider[] = [
  { provide: ControlContainer, useFactory: () => inject(ControlContainer, { skipSelf: true }) },
];
