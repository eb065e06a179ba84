import { HttpErrorResponse } from '@angular/common/http';
import { ChangeDetectionStrategy, Component, inject, input, signal } from '@angular/core';
import { FormControl, FormGroup, ReactiveFormsModule, Validators } from '@angular/forms';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatFormFieldModule } from '@angular/material/form-field';
import { MatInputModule } from '@angular/material/input';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { Router } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';

import { safeReturnUrl } from '../core/auth/auth.guard';
import { AuthService } from '../core/auth/auth.service';
import { LanguageSwitch } from '../core/shell/language-switch';

type LoginError = { key: string; params?: Record<string, unknown> };

/** Sign-in page, outside the shell. */
@Component({
  selector: 'app-login',
  imports: [
    ReactiveFormsModule,
    MatButtonModule,
    MatCardModule,
    MatFormFieldModule,
    MatInputModule,
    MatProgressBarModule,
    TranslatePipe,
    LanguageSwitch,
  ],
  templateUrl: './login.html',
  styleUrl: './login.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Login {
  private readonly auth = inject(AuthService);
  private readonly router = inject(Router);

  /** Where to go after signing in (query parameter, bound by the router). */
  readonly returnUrl = input<string>();

  protected readonly busy = signal(false);
  protected readonly error = signal<LoginError | null>(null);
  protected readonly form = new FormGroup({
    username: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
    password: new FormControl('', { nonNullable: true, validators: [Validators.required] }),
  });

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.form.markAllAsTouched();
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const { username, password } = this.form.getRawValue();
      await this.auth.login(username.trim(), password);
      await this.router.navigateByUrl(safeReturnUrl(this.returnUrl()));
    } catch (error) {
      this.error.set(toLoginError(error));
    } finally {
      this.busy.set(false);
    }
  }
}

function toLoginError(error: unknown): LoginError {
  if (error instanceof HttpErrorResponse) {
    if (error.status === 401) {
      return { key: 'login.invalid' };
    }
    if (error.status === 429) {
      const seconds = Number(error.headers.get('Retry-After')) || 60;
      return { key: 'login.throttled', params: { seconds } };
    }
    if (error.status === 0) {
      return { key: 'login.unreachable' };
    }
  }
  return { key: 'login.failed' };
}
