import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { AuditEventItem } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

import { SettingsApi } from '../core/api/settings-api';
import { LanguageService } from '../core/i18n/language';
import { JsonTextPipe, TimePipe, apiErrorMessage } from '../shared/format/format';

/** The audit log, newest first, with filters and cursor paging ("load more"). */
@Component({
  selector: 'app-audit-log',
  imports: [FormsModule, MatButtonModule, MatFormFieldModule, MatInputModule, TranslatePipe, JsonTextPipe, TimePipe],
  template: `
    <div class="tab">
      <form
        class="toolbar"
        (ngSubmit)="reload()"
        role="search"
        [attr.aria-label]="'settings.audit.filters' | translate"
      >
        <mat-form-field subscriptSizing="dynamic">
          <mat-label>{{ 'settings.audit.actor' | translate }}</mat-label>
          <input matInput name="actor" [(ngModel)]="actor" />
        </mat-form-field>
        <mat-form-field subscriptSizing="dynamic">
          <mat-label>{{ 'settings.audit.action' | translate }}</mat-label>
          <input matInput name="action" [(ngModel)]="action" placeholder="job.*" />
        </mat-form-field>
        <mat-form-field subscriptSizing="dynamic">
          <mat-label>{{ 'settings.audit.target' | translate }}</mat-label>
          <input matInput name="target" [(ngModel)]="target" placeholder="job" />
        </mat-form-field>
        <button matButton="filled" type="submit">{{ 'settings.audit.apply' | translate }}</button>
      </form>
      @if (error()) {
        <div class="banner-error" role="alert">{{ error() }}</div>
      }
      <div class="card table-wrap flat">
        @if (items().length) {
          <table class="data" data-testid="audit-table">
            <caption class="cdk-visually-hidden">
              {{
                'settings.audit.title' | translate
              }}
            </caption>
            <thead>
              <tr>
                <th scope="col">{{ 'settings.audit.at' | translate }}</th>
                <th scope="col">{{ 'settings.audit.actor' | translate }}</th>
                <th scope="col">{{ 'settings.audit.action' | translate }}</th>
                <th scope="col">{{ 'settings.audit.target' | translate }}</th>
                <th scope="col">{{ 'settings.audit.change' | translate }}</th>
              </tr>
            </thead>
            <tbody>
              @for (e of items(); track e.id) {
                <tr>
                  <td class="state">{{ e.at | appTime: lang() }}</td>
                  <td>
                    {{ e.actor.kind === 'system' || !e.actor.name ? label('actorKind', e.actor.kind) : e.actor.name }}
                  </td>
                  <td>
                    <span [attr.title]="e.action" [attr.data-action]="e.action" data-testid="audit-action">{{
                      actionText(e.action)
                    }}</span>
                  </td>
                  <td>
                    {{ e.targetType ? label('auditType', e.targetType) : '' }}
                    @if (e.targetName) {
                      <strong [attr.title]="e.targetId" data-testid="audit-target-name">{{ e.targetName }}</strong>
                    } @else {
                      <span class="muted">{{ e.targetId ?? '' }}</span>
                    }
                  </td>
                  <td>
                    @if (e.after || e.before) {
                      <details>
                        <summary>{{ 'settings.audit.show' | translate }}</summary>
                        <pre class="code audit-json">{{ e.after ?? e.before | appJson }}</pre>
                      </details>
                    }
                  </td>
                </tr>
              }
            </tbody>
          </table>
        } @else if (loaded()) {
          <p class="empty">{{ 'settings.audit.empty' | translate }}</p>
        }
      </div>
      @if (nextCursor()) {
        <div class="actions">
          <button matButton type="button" (click)="fetch()" [disabled]="loading()">
            {{ 'settings.audit.more' | translate }}
          </button>
        </div>
      }
    </div>
  `,
  styleUrl: './settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class AuditLog {
  private readonly api = inject(SettingsApi);
  private readonly translate = inject(TranslateService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly actor = signal('');
  protected readonly action = signal('');
  protected readonly target = signal('');
  protected readonly items = signal<AuditEventItem[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | null>(null);

  constructor() {
    this.reload();
  }

  protected reload(): void {
    this.items.set([]);
    this.nextCursor.set(null);
    this.fetch();
  }

  /** `labels.<group>.<value>` in the UI language; the value itself when there is no text for it. */
  protected label(group: string, value: string): string {
    this.lang(); // re-render when the language changes
    const key = `labels.${group}.${value.replace(/-/g, '_')}`;
    const text: unknown = this.translate.instant(key);
    return typeof text === 'string' && text !== key ? text : value;
  }

  /** `job.create` -> "Job: created" / "ジョブ: 作成"; an action without texts stays as it is. */
  protected actionText(action: string): string {
    const dot = action.indexOf('.');
    if (dot < 0) return action;
    const type = action.slice(0, dot);
    const verb = action.slice(dot + 1);
    const typeText = this.label('auditType', type);
    const verbText = this.label('auditVerb', verb);
    if (typeText === type || verbText === verb) return action;
    return this.translate.instant('labels.auditAction', { type: typeText, verb: verbText }) as string;
  }

  protected fetch(): void {
    this.loading.set(true);
    this.error.set(null);
    this.api
      .audit({
        actor: this.actor().trim() || undefined,
        action: this.action().trim() || undefined,
        target: this.target().trim() || undefined,
        limit: 50,
        cursor: this.nextCursor() ?? undefined,
      })
      .subscribe({
        next: (page) => {
          this.items.update((items) => [...items, ...page.items]);
          this.nextCursor.set(page.nextCursor);
          this.loading.set(false);
          this.loaded.set(true);
        },
        error: (error: unknown) => {
          this.loading.set(false);
          this.loaded.set(true);
          this.error.set(apiErrorMessage(error));
        },
      });
  }
}
