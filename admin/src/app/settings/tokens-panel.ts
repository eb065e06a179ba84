import { Clipboard } from '@angular/cdk/clipboard';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { rxResource } from '@angular/core/rxjs-interop';
import { FormsModule } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCheckboxModule } from '@angular/material/checkbox';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import type { ApiTokenSummary, CreatedApiToken, TokenScope } from '@api-manager/contracts';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';

import { SettingsApi } from '../core/api/settings-api';
import { LanguageService } from '../core/i18n/language';
import { ExecStatus } from '../shared/exec-status/exec-status';
import { TimePipe, apiErrorMessage } from '../shared/format/format';

const SCOPES: readonly TokenScope[] = ['read', 'run', 'write', 'admin'];

/** API tokens: create (the secret is shown once, with a copy button) and revoke. */
@Component({
  selector: 'app-tokens-panel',
  imports: [
    FormsModule,
    MatButtonModule,
    MatCheckboxModule,
    MatFormFieldModule,
    MatInputModule,
    TranslatePipe,
    ExecStatus,
    TimePipe,
  ],
  templateUrl: './tokens-panel.html',
  styleUrl: './settings.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TokensPanel {
  private readonly api = inject(SettingsApi);
  private readonly clipboard = inject(Clipboard);
  private readonly translate = inject(TranslateService);
  protected readonly lang = inject(LanguageService).language;

  /** The scopes by their names in the UI language ("Read, Run" / "読み取り, 実行"). */
  protected scopeNames(scopes: readonly TokenScope[]): string {
    this.lang(); // re-render when the language changes
    return scopes.map((s) => this.translate.instant(`settings.tokens.scope.${s}`) as string).join(', ');
  }
  protected readonly scopes = SCOPES;

  protected readonly tokens = rxResource({ stream: () => this.api.tokens() });
  protected readonly name = signal('');
  protected readonly chosen = signal<ReadonlySet<TokenScope>>(new Set(['read']));
  protected readonly expires = signal('');
  protected readonly created = signal<CreatedApiToken | null>(null);
  protected readonly copied = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<string | null>(null);
  /** Id of the token whose revoke button asks for confirmation. */
  protected readonly confirming = signal<string | null>(null);

  protected toggleScope(scope: TokenScope, on: boolean): void {
    this.chosen.update((set) => {
      const next = new Set(set);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });
  }

  protected create(): void {
    this.busy.set(true);
    this.error.set(null);
    this.copied.set(false);
    const expires = this.expires() ? new Date(this.expires()).toISOString() : undefined;
    this.api
      .createToken({ name: this.name().trim(), scopes: SCOPES.filter((s) => this.chosen().has(s)), expiresAt: expires })
      .subscribe({
        next: (token) => {
          this.busy.set(false);
          this.created.set(token);
          this.name.set('');
          this.expires.set('');
          this.tokens.reload();
        },
        error: (error: unknown) => {
          this.busy.set(false);
          this.error.set(apiErrorMessage(error));
        },
      });
  }

  protected copy(token: string): void {
    this.copied.set(this.clipboard.copy(token));
  }

  protected revoke(token: ApiTokenSummary): void {
    if (this.confirming() !== token.id) {
      this.confirming.set(token.id);
      return;
    }
    this.confirming.set(null);
    this.error.set(null);
    this.api.revokeToken(token.id).subscribe({
      next: () => this.tokens.reload(),
      error: (error: unknown) => this.error.set(apiErrorMessage(error)),
    });
  }

  protected errorText(error: unknown): string {
    return apiErrorMessage(error);
  }
}
