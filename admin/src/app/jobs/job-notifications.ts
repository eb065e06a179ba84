import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { type FormArray, ReactiveFormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatSelectModule } from '@angular/material/select';
import { TranslatePipe } from '@ngx-translate/core';

import { NotificationsApi } from '../core/api/notifications-api';
import { type NotificationRow, notificationRow } from './job-form';

/** The job editor's Notifications section: which channel hears about failures, recoveries, successes. */
@Component({
  selector: 'app-job-notifications',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatSelectModule,
    TranslatePipe,
  ],
  template: `
    <section class="card" aria-labelledby="sec-notifications" data-testid="job-notifications">
      <h2 id="sec-notifications">{{ 'notifications.section' | translate }}</h2>
      <p class="muted">{{ 'notifications.sectionHint' | translate }}</p>
      <div class="rows">
        @for (row of rows().controls; track row; let i = $index) {
          <fieldset class="item" [formGroup]="row" [attr.data-notification-row]="i">
            <div class="form-row">
              <mat-form-field>
                <mat-label>{{ 'notifications.channel' | translate }}</mat-label>
                <mat-select formControlName="channel">
                  @for (name of channelNames(); track name) {
                    <mat-option [value]="name">{{ name }}</mat-option>
                  }
                  @if (row.controls.channel.value && !channelNames().includes(row.controls.channel.value)) {
                    <mat-option [value]="row.controls.channel.value">{{ row.controls.channel.value }}</mat-option>
                  }
                </mat-select>
              </mat-form-field>
              <mat-checkbox formControlName="failure">{{ 'notifications.on.failure' | translate }}</mat-checkbox>
              <mat-checkbox formControlName="recovery">{{ 'notifications.on.recovery' | translate }}</mat-checkbox>
              <mat-checkbox formControlName="success">{{ 'notifications.on.success' | translate }}</mat-checkbox>
              @if (!readOnly()) {
                <button matButton type="button" (click)="remove(i)">{{ 'notifications.remove' | translate }}</button>
              }
            </div>
          </fieldset>
        }
      </div>
      @for (message of errors(); track $index) {
        <p class="field-error">{{ message }}</p>
      }
      @if (!readOnly()) {
        <button matButton type="button" (click)="add()" data-testid="add-notification">
          {{ 'notifications.addRule' | translate }}
        </button>
      }
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class JobNotifications {
  private readonly api = inject(NotificationsApi);
  readonly rows = input.required<FormArray<NotificationRow>>();
  readonly readOnly = input(false);
  /** Server messages for `notifications` and under it. */
  readonly errors = input<string[]>([]);

  private readonly channels = rxResource({ stream: () => this.api.channels() });
  protected readonly channelNames = computed(() =>
    (this.channels.hasValue() ? this.channels.value() : []).map((c) => c.name),
  );

  protected add(): void {
    this.rows().push(notificationRow());
    this.rows().markAsDirty();
  }

  protected remove(i: number): void {
    this.rows().removeAt(i);
    this.rows().markAsDirty();
  }
}
