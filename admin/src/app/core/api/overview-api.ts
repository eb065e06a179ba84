import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { JobOverview, UpcomingRuns } from '@api-manager/contracts';
import type { Observable } from 'rxjs';

import { queryParams } from './params';

/** The job page's overview and the upcoming-runs timeline. */
@Injectable({ providedIn: 'root' })
export class OverviewApi {
  private readonly http = inject(HttpClient);

  /** Success rates, daily durations (days cut in `timezone`), next runs and chain edges of one job. */
  job(idOrName: string, timezone?: string): Observable<JobOverview> {
    return this.http.get<JobOverview>(`/api/v1/jobs/${encodeURIComponent(idOrName)}/overview`, {
      params: queryParams({ timezone }),
    });
  }

  /** Runs of every enabled schedule in the next `hours` (1–48). */
  upcoming(hours: number): Observable<UpcomingRuns> {
    return this.http.get<UpcomingRuns>('/api/v1/schedules/upcoming', { params: queryParams({ hours }) });
  }
}
