import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatSelectModule } from '@angular/material/select';
import type {
  CreateNotificationChannelRequest,
  NotificationChannelType,
  NotificationChannelView,
  NotificationTestResult,
} from '@api-manager/contracts';
import { TranslatePipe } from '@ngx-translate/core';
import type { Observable } from 'rxjs';

import { NotificationsApi } from '../core/api/notifications-api';
import { AuthService } from '../core/auth/auth.service';
import { apiErrorMessage } from '../shared/format/format';

const TYPES: readonly NotificationChannelType[] = ['slack', 'discord', 'webhook', 'email'];

/** Notification channels: everyone sees them; admins add, test, enable / disable and delete. */
@Component({
  selector: 'app-notifications-panel',
  imports: [FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, MatSelectModule, TranslatePipe],
  template: `
    <div class="tab">
      <p class="muted">{{ 'notifications.hint' | translate }}</p>
      @if (error()) {
        <div class="banner-error" role="alert">{{ error() }}</div>
      }
      @if (channels.error(); as e) {
        <div class="banner-error" role="alert">{{ errorText(e) }}</div>
      }
      @if (tested(); as r) {
        <div class="card flat" role="status" data-testid="channel-test-result">
          {{
            r.ok ? ('notifications.testOk' | translate) : ('notifications.testFailed' | translate: { error: r.error })
          }}
        </div>
      }
      <div class="card table-wrap flat">
        <table class="data" data-testid="channels-table">
          <caption class="cdk-visually-hidden">
            {{
              'notifications.channels' | translate
            }}
          </caption>
          <thead>
            <tr>
              <th scope="col">{{ 'notifications.name' | translate }}</th>
              <th scope="col">{{ 'notifications.type' | translate }}</th>
              <th scope="col">{{ 'notifications.target' | translate }}</th>
              <th scope="col">{{ 'notifications.rateLimit' | translate }}</th>
              <th scope="col">{{ 'notifications.enabled' | translate }}</th>
              @if (canManage) {
                <th scope="col">
                  <span class="cdk-visually-hidden">{{ 'labels.actions' | translate }}</span>
                </th>
              }
            </tr>
          </thead>
          <tbody>
            @for (c of channels.value() ?? []; track c.id) {
              <tr [attr.data-channel]="c.name">
                <td>
                  <strong>{{ c.name }}</strong>
                  @if (c.description) {
                    <div class="muted">{{ c.description }}</div>
                  }
                </td>
                <td>{{ 'notifications.types.' + c.type | translate }}</td>
                <td>
                  @if (c.type === 'email') {
                    {{ c.recipients.join(', ') }}
                  } @else {
                    <code>{{ c.urlHint }}</code>
                  }
                  @if (c.hasSecret) {
                    <span class="muted"> ({{ 'notifications.secretSet' | translate }})</span>
                  }
                </td>
                <td>{{ c.rateLimitPerMinute }}</td>
                <td>
                  @if (canManage) {
                    <button matButton type="button" (click)="toggle(c)">
                      {{ (c.enabled ? 'settings.users.active' : 'settings.users.disabled') | translate }}
                    </button>
                  } @else {
                    {{ (c.enabled ? 'settings.users.active' : 'settings.users.disabled') | translate }}
                  }
                </td>
                @if (canManage) {
                  <td>
                    <button
                      matButton="tonal"
                      type="button"
                      (click)="test(c)"
                      [disabled]="busy()"
                      data-testid="test-channel"
                    >
                      {{ 'notifications.test' | translate }}
                      <span class="cdk-visually-hidden">{{ c.name }}</span>
                    </button>
                    <button matButton type="button" class="danger" (click)="remove(c)">
                      {{ 'notifications.delete' | translate }}
                      <span class="cdk-visually-hidden">{{ c.name }}</span>
                    </button>
                  </td>
                }
              </tr>
            } @empty {
              <tr>
                <td colspan="6" class="muted">{{ 'notifications.empty' | translate }}</td>
              </tr>
            }
          </tbody>
        </table>
      </div>

      @if (canManage) {
        <form class="card" (ngSubmit)="create()" data-testid="channel-form">
          <h2>{{ 'notifications.add' | translate }}</h2>
          <div class="form-row">
            <mat-form-field>
              <mat-label>{{ 'notifications.name' | translate }}</mat-label>
              <input matInput name="name" [(ngModel)]="name" autocomplete="off" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>{{ 'notifications.type' | translate }}</mat-label>
              <mat-select name="type" [(ngModel)]="type">
                @for (t of types; track t) {
                  <mat-option [value]="t">{{ 'notifications.types.' + t | translate }}</mat-option>
                }
              </mat-select>
            </mat-form-field>
            @if (type() === 'email') {
              <mat-form-field>
                <mat-label>{{ 'notifications.recipients' | translate }}</mat-label>
                <input matInput name="recipients" [(ngModel)]="recipients" autocomplete="off" />
              </mat-form-field>
            } @else {
              <mat-form-field>
                <mat-label>{{ 'notifications.url' | translate }}</mat-label>
                <input matInput name="url" type="password" [(ngModel)]="url" autocomplete="off" />
              </mat-form-field>
            }
            @if (type() === 'webhook') {
              <mat-form-field>
                <mat-label>{{ 'notifications.secret' | translate }}</mat-label>
                <input matInput name="secret" type="password" [(ngModel)]="secret" autocomplete="off" />
              </mat-form-field>
            }
            <mat-form-field>
              <mat-label>{{ 'notifications.rateLimit' | translate }}</mat-label>
              <input matInput name="rateLimit" type="number" min="1" [(ngModel)]="rateLimit" />
            </mat-form-field>
            <mat-form-field>
              <mat-label>{{ 'notifications.description' | translate }}</mat-label>
              <input matInput name="description" [(ngModel)]="description" autocomplete="off" />
            </mat-form-field>
          </div>
          <div class="actions">
            <button matButton="filled" type="submit" [disabled]="busy() || !name().trim()">
              {{ 'notifications.addButton' | translate }}
            </button>
          </div>
        </form>
      }
    </div>
  `,
  styleUrl: './settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class NotificationsPanel {
  private readonly api = inject(NotificationsApi);
  protected readonly canManage = inject(AuthService).can('notifications.manage');
  protected readonly types = TYPES;
  protected readonly channels = rxResource({ stream: () => this.api.channels() });
  protected readonly name = signal('');
  protected readonly type = signal<NotificationChannelType>('slack');
  protected readonly url = signal('');
  protected readonly secret = signal('');
  protected readonly recipients = signal('');
  protected readonly rateLimit = signal<number | null>(20);
  protected readonly description = signal('');
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  protected readonly tested = signal<NotificationTestResult | null>(null);

  protected create(): void {
    const body: CreateNotificationChannelRequest = { name: this.name().trim(), type: this.type() };
    if (this.type() === 'email') {
      body.recipients = this.recipients()
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean);
    } else if (this.url().trim()) {
      body.url = this.url().trim();
    }
    if (this.type() === 'webhook' && this.secret().trim()) body.secret = this.secret().trim();
    if (this.rateLimit()) body.rateLimitPerMinute = Number(this.rateLimit());
    if (this.description().trim()) body.description = this.description().trim();
    this.run(this.api.create(body), () => {
      this.name.set('');
      this.url.set('');
      this.secret.set('');
      this.recipients.set('');
      this.description.set('');
    });
  }

  protected toggle(c: NotificationChannelView): void {
    this.run(this.api.update(c.id, { enabled: !c.enabled }));
  }

  protected remove(c: NotificationChannelView): void {
    this.run(this.api.remove(c.id));
  }

  protected test(c: NotificationChannelView): void {
    this.busy.set(true);
    this.error.set(null);
    this.tested.set(null);
    this.api.test(c.id).subscribe({
      next: (r) => {
        this.busy.set(false);
        this.tested.set(r);
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(apiErrorMessage(error));
      },
    });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  private run(request: Observable<unknown>, done?: () => void) {
    this.busy.set(true);
    this.error.set(null);
    this.tested.set(null);
    request.subscribe({
      next: () => {
        this.busy.set(false);
        done?.();
        this.channels.reload();
      },
      error: (error: unknown) => {
        this.busy.set(false);
        this.error.set(apiErrorMessage(error));
      },
    });
  }
}
