import { BreakpointObserver } from '@angular/cdk/layout';
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  Injector,
  inject,
  linkedSignal,
  signal,
  viewChild,
} from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';
import { filter, map } from 'rxjs';

import { Icon, type IconName } from '../../shared/icon/icon';
import { AuthService } from '../auth/auth.service';
import { LanguageSwitch } from './language-switch';

interface NavItem {
  path: string;
  label: string;
  icon: IconName;
  exact?: boolean;
}

/** The frame around every page: top toolbar, side navigation, main content. */
@Component({
  selector: 'app-shell',
  imports: [
    MatButtonModule,
    MatSidenavModule,
    MatToolbarModule,
    RouterLink,
    RouterLinkActive,
    RouterOutlet,
    TranslatePipe,
    Icon,
    LanguageSwitch,
  ],
  templateUrl: './shell.html',
  host: { '(document:click)': 'onDocumentClick($event)' },
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly injector = inject(Injector);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  protected readonly nav: readonly NavItem[] = [
    { path: '/', label: 'nav.dashboard', icon: 'dashboard', exact: true },
    { path: '/jobs', label: 'nav.jobs', icon: 'jobs' },
    { path: '/schedules', label: 'nav.schedules', icon: 'schedules' },
    { path: '/executions', label: 'nav.executions', icon: 'executions' },
    { path: '/pipelines', label: 'pipeline.nav', icon: 'pipelines' },
    { path: '/webhooks', label: 'nav.webhooks', icon: 'webhooks' },
    { path: '/settings', label: 'nav.settings', icon: 'settings' },
    { path: '/health', label: 'nav.health', icon: 'health' },
  ];
  protected readonly user = this.auth.user;

  /** Narrow screens get an overlay drawer instead of a docked side navigation. */
  protected readonly compact = toSignal(
    inject(BreakpointObserver)
      .observe('(max-width: 959.98px)')
      .pipe(map((state) => state.matches)),
    { initialValue: false },
  );
  protected readonly navOpen = linkedSignal(() => !this.compact());

  constructor() {
    this.router.events
      .pipe(
        filter((event) => event instanceof NavigationEnd),
        takeUntilDestroyed(),
      )
      .subscribe(() => {
        if (this.compact()) {
          this.navOpen.set(false);
        }
      });
  }

  protected toggleNav(): void {
    this.navOpen.update((open) => !open);
  }

  /** The account menu (change password, sign out): a disclosure, closed by Escape or a click elsewhere. */
  protected readonly accountOpen = signal(false);

  protected toggleAccount(): void {
    this.accountOpen.update((open) => !open);
  }

  protected closeAccount(): void {
    this.accountOpen.set(false);
    this.host.nativeElement.querySelector<HTMLElement>('.user-menu')?.focus();
  }

  protected onDocumentClick(event: MouseEvent): void {
    const account = this.host.nativeElement.querySelector('.account');
    if (this.accountOpen() && account && !account.contains(event.target as Node)) {
      this.accountOpen.set(false);
    }
  }

  /** The dialog (and Material's dialog code) loads on first use, keeping the first page light. */
  protected async changePassword(): Promise<void> {
    this.accountOpen.set(false);
    const { openChangePassword } = await import('./change-password-dialog');
    openChangePassword(this.injector);
  }

  protected async logout(): Promise<void> {
    this.accountOpen.set(false);
    await this.auth.logout(() => this.router.navigate(['/login'])).catch(() => undefined);
  }

  /** In-page skip link: a plain `#id` href would resolve against `<base href>` and navigate. */
  protected skipToMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }
}
