import { BreakpointObserver } from '@angular/cdk/layout';
import { ChangeDetectionStrategy, Component, type ElementRef, inject, linkedSignal, viewChild } from '@angular/core';
import { takeUntilDestroyed, toSignal } from '@angular/core/rxjs-interop';
import { MatButtonModule } from '@angular/material/button';
import { MatDialog } from '@angular/material/dialog';
import { MatMenuModule } from '@angular/material/menu';
import { MatSnackBar } from '@angular/material/snack-bar';
import { MatSidenavModule } from '@angular/material/sidenav';
import { MatToolbarModule } from '@angular/material/toolbar';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { TranslatePipe, TranslateService } from '@ngx-translate/core';
import { filter, map } from 'rxjs';

import { Icon, type IconName } from '../../shared/icon/icon';
import { AuthService } from '../auth/auth.service';
import { ChangePasswordDialog } from './change-password-dialog';
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
    MatMenuModule,
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
  styleUrl: './shell.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Shell {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);
  private readonly dialog = inject(MatDialog);
  private readonly snackBar = inject(MatSnackBar);
  private readonly translate = inject(TranslateService);
  private readonly main = viewChild.required<ElementRef<HTMLElement>>('main');

  protected readonly nav: readonly NavItem[] = [
    { path: '/', label: 'nav.dashboard', icon: 'dashboard', exact: true },
    { path: '/jobs', label: 'nav.jobs', icon: 'jobs' },
    { path: '/schedules', label: 'nav.schedules', icon: 'schedules' },
    { path: '/executions', label: 'nav.executions', icon: 'executions' },
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

  protected changePassword(): void {
    this.dialog
      .open<ChangePasswordDialog, void, boolean>(ChangePasswordDialog, { autoFocus: 'first-tabbable' })
      .afterClosed()
      .subscribe((changed) => {
        if (changed)
          this.snackBar.open(this.translate.instant('auth.passwordChanged') as string, undefined, { duration: 5000 });
      });
  }

  protected async logout(): Promise<void> {
    await this.auth.logout().catch(() => undefined);
    await this.router.navigate(['/login']);
  }

  /** In-page skip link: a plain `#id` href would resolve against `<base href>` and navigate. */
  protected skipToMain(event: Event): void {
    event.preventDefault();
    this.main().nativeElement.focus();
  }
}
