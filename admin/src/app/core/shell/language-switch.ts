import { ChangeDetectionStrategy, Component, type ElementRef, inject, viewChildren } from '@angular/core';
import { TranslatePipe } from '@ngx-translate/core';

import { LANGUAGES, LANGUAGE_NAMES, type Language, LanguageService } from '../i18n/language';

/**
 * English / 日本語 as a radio group (arrow keys move and select, one tab stop). Plain buttons
 * rather than MatButtonToggle: that one pulls @angular/forms into the initial bundle.
 */
@Component({
  selector: 'app-language-switch',
  imports: [TranslatePipe],
  template: `
    <div class="group" role="radiogroup" [attr.aria-label]="'app.language' | translate">
      @for (lang of languages; track lang; let i = $index) {
        <button
          #option
          type="button"
          role="radio"
          [attr.aria-checked]="language() === lang"
          [attr.tabindex]="language() === lang ? 0 : -1"
          [attr.lang]="lang"
          [attr.data-lang]="lang"
          [class.selected]="language() === lang"
          (click)="choose(lang)"
          (keydown)="onKey($event, i)"
        >
          {{ names[lang] }}
        </button>
      }
    </div>
  `,
  styles: `
    .group {
      display: inline-flex;
      border: 1px solid var(--mat-sys-outline);
      border-radius: 999px;
      overflow: hidden;
    }
    button {
      height: 36px;
      padding: 0 14px;
      border: 0;
      font: var(--mat-sys-label-large);
      color: var(--mat-sys-on-surface);
      background: transparent;
      cursor: pointer;
    }
    button + button {
      border-left: 1px solid var(--mat-sys-outline);
    }
    button:hover {
      background: var(--mat-sys-surface-container-high);
    }
    button.selected {
      color: var(--mat-sys-on-secondary-container);
      background: var(--mat-sys-secondary-container);
    }
    button:focus-visible {
      outline: 2px solid var(--mat-sys-primary);
      outline-offset: -3px;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class LanguageSwitch {
  private readonly languageService = inject(LanguageService);
  private readonly options = viewChildren<ElementRef<HTMLButtonElement>>('option');

  protected readonly languages = LANGUAGES;
  protected readonly names = LANGUAGE_NAMES;
  protected readonly language = this.languageService.language;

  protected choose(language: Language): void {
    if (language !== this.language()) {
      void this.languageService.use(language);
    }
  }

  protected onKey(event: KeyboardEvent, index: number): void {
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[event.key];
    if (!step) {
      return;
    }
    event.preventDefault();
    const next = (index + step + LANGUAGES.length) % LANGUAGES.length;
    this.options()[next]?.nativeElement.focus();
    this.choose(LANGUAGES[next]!);
  }
}
