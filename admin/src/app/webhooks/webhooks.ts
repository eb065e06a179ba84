import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { rxResource, takeUntilDestroyed } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatSelectModule } from '@angular/material/select';
import { MatTabsModule } from '@angular/material/tabs';
import { RouterLink } from '@angular/router';
import type {
  WebhookDeliverySummary,
  WebhookDryRunResponse,
  WebhookOutcome,
  WebhookProviderName,
} from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import { debounceTime, filter } from 'rxjs';

import { LiveEvents } from '../core/api/events';
import { WebhooksApi } from '../core/api/webhooks-api';
import { AuthService } from '../core/auth/auth.service';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe, apiErrorMessage } from '../shared/format/format';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';
import { MatchExplanation } from './match-explanation';

export const OUTCOMES: readonly WebhookOutcome[] = ['triggered', 'no_match', 'skipped', 'deleted', 'ignored', 'ping'];
const PROVIDERS: readonly WebhookProviderName[] = ['github', 'gitlab', 'gitea'];

/** Webhooks: the deliveries log, the sources (repository + secret), and a dry run of a pasted payload. */
@Component({
  selector: 'app-webhooks',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    MatSelectModule,
    MatTabsModule,
    RouterLink,
    TranslatePipe,
    ExecStatus,
    Icon,
    MatchExplanation,
    PageHeader,
    TimePipe,
  ],
  templateUrl: './webhooks.html',
  styleUrl: './webhooks.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Webhooks {
  private readonly api = inject(WebhooksApi);
  private readonly translate = inject(TranslateService);
  protected readonly auth = inject(AuthService);
  protected readonly lang = inject(LanguageService).language;
  protected readonly outcomes = OUTCOMES;
  protected readonly providers = PROVIDERS;

  // Deliveries
  protected readonly outcome = signal<WebhookOutcome | ''>('');
  protected readonly repository = signal('');
  protected readonly deliveries = signal<WebhookDeliverySummary[]>([]);
  protected readonly nextCursor = signal<string | null>(null);
  protected readonly loading = signal(false);
  protected readonly loaded = signal(false);
  protected readonly error = signal<string | null>(null);

  // Sources
  protected readonly sources = rxResource({ stream: () => this.api.sources() });
  protected readonly sourceProvider = signal<WebhookProviderName>('github');
  protected readonly sourceRepository = signal('');
  protected readonly sourceSecret = signal('');
  protected readonly sourceInsecure = signal(false);
  protected readonly sourceRepoConfig = signal(false);
  protected readonly sourceDescription = signal('');
  protected readonly sourceError = signal<string | null>(null);
  protected readonly sourceBusy = signal(false);

  // Dry run
  protected readonly dryEvent = signal('push');
  protected readonly dryProvider = signal<WebhookProviderName>('github');
  protected readonly dryPayload = signal('');
  protected readonly dryResult = signal<WebhookDryRunResponse | null>(null);
  protected readonly dryError = signal<string | null>(null);
  protected readonly dryBusy = signal(false);

  constructor() {
    this.reload();
    inject(LiveEvents)
      .events$.pipe(
        filter((event) => event.type === 'delivery' || event.type === 'open'),
        debounceTime(300),
        takeUntilDestroyed(),
      )
      .subscribe(() => this.refreshHead());
  }

  protected reload(): void {
    this.deliveries.set([]);
    this.nextCursor.set(null);
    this.fetch();
  }

  protected more(): void {
    if (this.nextCursor() && !this.loading()) this.fetch();
  }

  protected reasonOf(d: WebhookDeliverySummary): string {
    return d.untrustedReason ?? d.skipReason ?? '';
  }

  protected addSource(): void {
    this.sourceBusy.set(true);
    this.sourceError.set(null);
    this.api
      .createSource({
        provider: this.sourceProvider(),
        repository: this.sourceRepository().trim() || null,
        secret: this.sourceInsecure() ? undefined : this.sourceSecret() || undefined,
        insecure: this.sourceInsecure(),
        repoConfig: !this.sourceInsecure() && this.sourceRepoConfig() ? true : undefined,
        description: this.sourceDescription().trim() || undefined,
      })
      .subscribe({
        next: () => {
          this.sourceBusy.set(false);
          this.sourceRepository.set('');
          this.sourceSecret.set('');
          this.sourceDescription.set('');
          this.sourceInsecure.set(false);
          this.sourceRepoConfig.set(false);
          this.sources.reload();
        },
        error: (error: unknown) => {
          this.sourceBusy.set(false);
          this.sourceError.set(apiErrorMessage(error));
        },
      });
  }

  protected removeSource(id: string): void {
    this.sourceError.set(null);
    this.api.removeSource(id).subscribe({
      next: () => this.sources.reload(),
      error: (error: unknown) => this.sourceError.set(apiErrorMessage(error)),
    });
  }

  protected dryRun(): void {
    let payload: unknown;
    try {
      payload = JSON.parse(this.dryPayload());
    } catch (error) {
      this.dryError.set(this.translate.instant('labels.jsonInvalid', { error: (error as Error).message }) as string);
      return;
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) {
      this.dryError.set(this.translate.instant('labels.jsonObjectExpected') as string);
      return;
    }
    this.dryBusy.set(true);
    this.dryError.set(null);
    this.api
      .dryRun({
        event: this.dryEvent().trim() || 'push',
        provider: this.dryProvider(),
        payload: payload as Record<string, unknown>,
      })
      .subscribe({
        next: (result) => {
          this.dryBusy.set(false);
          this.dryResult.set(result);
        },
        error: (error: unknown) => {
          this.dryBusy.set(false);
          this.dryResult.set(null);
          this.dryError.set(apiErrorMessage(error));
        },
      });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }

  private query() {
    return { outcome: this.outcome() || undefined, repository: this.repository().trim() || undefined, limit: 50 };
  }

  private fetch(): void {
    this.loading.set(true);
    this.error.set(null);
    this.api.deliveries({ ...this.query(), cursor: this.nextCursor() ?? undefined }).subscribe({
      next: (page) => {
        const known = new Set(this.deliveries().map((d) => d.id));
        this.deliveries.update((list) => [...list, ...page.items.filter((d) => !known.has(d.id))]);
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

  /** A delivery arrived: put the new ones on top. */
  private refreshHead(): void {
    this.api.deliveries(this.query()).subscribe({
      next: (page) => {
        const known = new Set(this.deliveries().map((d) => d.id));
        const fresh = page.items.filter((d) => !known.has(d.id));
        if (fresh.length) this.deliveries.update((list) => [...fresh, ...list]);
      },
      error: () => undefined,
    });
  }
}
