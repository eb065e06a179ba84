import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule } from '@angular/forms';
import type { JsonValue, MaskedSecret, ParamDefinition, ResolveParamsResponse } from '@api-manager/contracts';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';

import { type FieldErrors, errorsUnder } from '../core/api/api-errors';

export type ParamDef = ParamDefinition<MaskedSecret>;
/** One text control per param; values are converted by `paramsValue` when sent. */
export type ParamsForm = FormGroup<Record<string, FormControl<string>>>;

export function paramsForm(defs: readonly ParamDef[]): ParamsForm {
  const controls: Record<string, FormControl<string>> = {};
  for (const def of defs) {
    controls[def.name] = new FormControl('', { nonNullable: true });
  }
  return new FormGroup(controls);
}

/** Items of a list input: one per line (or comma separated), blanks ignored. */
export function listItems(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The params to send: empty fields are left out (the server applies the defaults). */
export function paramsValue(defs: readonly ParamDef[], form: ParamsForm): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const def of defs) {
    const raw = form.controls[def.name]?.value ?? '';
    if (raw.trim() === '') {
      continue;
    }
    switch (def.type) {
      case 'string[]':
        out[def.name] = listItems(raw);
        break;
      case 'number':
        out[def.name] = Number(raw);
        break;
      case 'boolean':
        out[def.name] = raw === 'true';
        break;
      default:
        out[def.name] = raw;
    }
  }
  return out;
}

/** Puts the API's `params.<name> …` messages on the matching controls (shown as mat-error). */
export function showParamErrors(defs: readonly ParamDef[], form: ParamsForm, errors: FieldErrors): void {
  for (const def of defs) {
    const messages = errorsUnder(errors, `params.${def.name}`);
    const control = form.controls[def.name];
    if (messages.length && control) {
      control.setErrors({ server: messages.join(' ') });
      control.markAsTouched();
    }
  }
}

/** A form generated from a job's params schema: date inputs, selects, list inputs with a count. */
@Component({
  selector: 'app-params-fields',
  imports: [ReactiveFormsModule, MatFormFieldModule, MatInputModule, MatSelectModule, TranslatePipe],
  template: `
    <div class="fields" [formGroup]="form()">
      @for (def of defs(); track def.name) {
        @let control = form().controls[def.name];
        <mat-form-field appearance="outline" [class.wide]="def.type === 'string[]'" [attr.data-param]="def.name">
          <mat-label>{{ def.title || def.name }}</mat-label>
          @switch (def.type) {
            @case ('enum') {
              <mat-select [formControlName]="def.name" [required]="!!def.required">
                @if (!def.required) {
                  <mat-option value="">{{ 'run.defaultOption' | translate }}</mat-option>
                }
                @for (option of def.enum ?? []; track option) {
                  <mat-option [value]="option">{{ option }}</mat-option>
                }
              </mat-select>
            }
            @case ('boolean') {
              <mat-select [formControlName]="def.name">
                <mat-option value="">{{ 'run.defaultOption' | translate }}</mat-option>
                <mat-option value="true">{{ 'run.true' | translate }}</mat-option>
                <mat-option value="false">{{ 'run.false' | translate }}</mat-option>
              </mat-select>
            }
            @case ('string[]') {
              <textarea matInput rows="4" [formControlName]="def.name" [required]="!!def.required"></textarea>
            }
            @default {
              <input
                matInput
                [type]="inputType(def)"
                [formControlName]="def.name"
                [required]="!!def.required"
                [attr.autocomplete]="def.secret ? 'off' : null"
              />
            }
          }
          @let fallback = control.value.trim() === '' ? resolvedDefault(def) : null;
          @if (def.type === 'string[]') {
            <mat-hint data-testid="fanout-count">
              @if (fallback !== null && listOf(fallback); as items) {
                {{
                  (def.fanOut ? 'run.fanOutDefault' : 'run.listDefault')
                    | translate: { count: items.length, items: preview(items) }
                }}
              } @else {
                {{
                  (def.fanOut ? 'run.fanOutCount' : 'run.listCount') | translate: { count: itemCount(control.value) }
                }}
              }
            </mat-hint>
          } @else if (fallback !== null) {
            <mat-hint data-testid="resolved-default" [attr.data-param]="def.name">
              {{ hint(def, true) }}{{ hint(def, true) ? ' · ' : '' }}
              @if ((def.type === 'date' || def.type === 'datetime') && zoneOf(def); as zone) {
                {{ 'run.resolvedDefaultZone' | translate: { value: text(fallback), zone: zone } }}
              } @else {
                {{ 'run.resolvedDefault' | translate: { value: text(fallback) } }}
              }
            </mat-hint>
          } @else if (hint(def)) {
            <mat-hint>{{ hint(def) }}</mat-hint>
          }
          @if (control.hasError('server')) {
            <mat-error>{{ control.getError('server') }}</mat-error>
          } @else if (control.hasError('required')) {
            <mat-error>{{ 'run.required' | translate }}</mat-error>
          }
        </mat-form-field>
      }
    </div>
  `,
  styles: `
    .fields {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(220px, 1fr));
      gap: 16px;
      margin-bottom: 16px;
    }
    .wide {
      grid-column: 1 / -1;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ParamsFields {
  readonly defs = input.required<readonly ParamDef[]>();
  readonly form = input.required<ParamsForm>();
  /** The job's time zone, named next to date inputs (the server reads them in that zone). */
  readonly timezone = input<string | null>(null);
  /** What the server resolved for the current values: shown for empty fields (the defaults a run gets). */
  readonly resolved = input<ResolveParamsResponse | null>(null);

  /** The server's value for an empty field, or null while unknown (no default, not resolved yet). */
  protected resolvedDefault(def: ParamDef): JsonValue | null {
    const value = this.resolved()?.params[def.name];
    return value === undefined || value === null || value === '' ? null : value;
  }

  /** The zone a date default was read in: the template's own (`in_zone: 'Asia/Tokyo'`), else the job's. */
  protected zoneOf(def: ParamDef): string | null {
    const own = typeof def.default === 'string' ? /in_zone:\s*['"]([^'"]+)['"]/.exec(def.default)?.[1] : undefined;
    return own ?? this.resolved()?.timezone ?? null;
  }

  protected listOf(value: JsonValue): string[] | null {
    return Array.isArray(value) && value.length ? value.map(String) : null;
  }

  protected preview(items: readonly string[]): string {
    return items.length > 5 ? `${items.slice(0, 5).join(', ')}, …` : items.join(', ');
  }

  protected text(value: JsonValue): string {
    return typeof value === 'string' ? value : JSON.stringify(value);
  }

  protected inputType(def: ParamDef): string {
    switch (def.type) {
      case 'number':
        return 'number';
      case 'date':
        return 'date';
      case 'datetime':
        return 'datetime-local';
      default:
        return def.secret ? 'password' : 'text';
    }
  }

  protected itemCount(value: string): number {
    return listItems(value).length;
  }

  /**
   * Description, zone and a plain default. A template default (`{{ 'today' | in_zone: … }}`) is
   * never shown raw: the server's resolved value is (see `resolved`). `descriptionOnly` when the
   * resolved default is shown next to it.
   */
  protected hint(def: ParamDef, descriptionOnly = false): string {
    const parts: string[] = [];
    if (def.description) {
      parts.push(def.description);
    }
    if (descriptionOnly) {
      return parts.join(' · ');
    }
    if ((def.type === 'date' || def.type === 'datetime') && this.timezone()) {
      parts.push(this.timezone()!);
    }
    const fallback = def.default;
    const plain =
      fallback !== undefined &&
      fallback !== null &&
      !(typeof fallback === 'object' && 'secret' in fallback) &&
      !(typeof fallback === 'string' && fallback.includes('{{'));
    if (plain) {
      parts.push(`= ${typeof fallback === 'string' ? fallback : JSON.stringify(fallback)}`);
    }
    return parts.join(' · ');
  }
}
