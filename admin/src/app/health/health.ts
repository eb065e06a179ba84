import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { MatTableModule } from '@angular/material/table';
import { TranslatePipe } from '@ngx-translate/core';

import { HealthApi } from '../core/api/health-api';
import { LanguageService } from '../core/i18n/language';
import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';
import { failureReason, readinessResource } from '../shared/readiness/readiness';
import { StatusBadge } from '../shared/status-badge/status-badge';

/** Readiness of the server, check by check (GET /api/health/ready). */
@Component({
  selector: 'app-health',
  imports: [
    MatButtonModule,
    MatCardModule,
    MatProgressBarModule,
    MatTableModule,
    TranslatePipe,
    Icon,
    PageHeader,
    StatusBadge,
  ],
  templateUrl: './health.html',
  styleUrl: './health.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Health {
  private readonly language = inject(LanguageService).language;

  protected readonly readyUrl = HealthApi.readyUrl;
  protected readonly readiness = readinessResource();
  protected readonly columns = ['check', 'status', 'details'] as const;

  protected readonly checkedAt = computed(() => {
    const value = this.readiness.hasValue() ? this.readiness.value() : undefined;
    return value ? new Intl.DateTimeFormat(this.language(), { timeStyle: 'medium' }).format(value.checkedAt) : '';
  });
  protected readonly failure = computed(() => failureReason(this.readiness.error()));
  protected readonly overallKey = computed(() => {
    switch (this.readiness.hasValue() ? this.readiness.value().status : undefined) {
      case 'ok':
        return 'health.overallOk';
      case 'shutting_down':
        return 'health.overallShuttingDown';
      default:
        return 'health.overallError';
    }
  });
}
