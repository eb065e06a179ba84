import { ChangeDetectionStrategy, Component } from '@angular/core';
import { MatButtonModule } from '@angular/material/button';
import { MatCardModule } from '@angular/material/card';
import { MatProgressBarModule } from '@angular/material/progress-bar';
import { RouterLink } from '@angular/router';
import { TranslatePipe } from '@ngx-translate/core';

import { Icon } from '../shared/icon/icon';
import { PageHeader } from '../shared/page-header/page-header';
import { readinessResource } from '../shared/readiness/readiness';
import { StatusBadge } from '../shared/status-badge/status-badge';

/** The landing page: server readiness at a glance and, later, the jobs overview. */
@Component({
  selector: 'app-dashboard',
  imports: [
    MatButtonModule,
    MatCardModule,
    MatProgressBarModule,
    RouterLink,
    TranslatePipe,
    Icon,
    PageHeader,
    StatusBadge,
  ],
  templateUrl: './dashboard.html',
  styleUrl: './dashboard.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Dashboard {
  protected readonly readiness = readinessResource();
}
