import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateScheduleRequest,
  JobListResponse,
  JobView,
  Schedule,
  ScheduleList,
  SchedulePreview,
  UpdateScheduleRequest,
} from '@api-manager/contracts';
import { map, type Observable } from 'rxjs';

import { allPages } from './all-pages';

import { queryParams } from './params';

export interface SchedulePreviewQuery {
  cron?: string;
  /** Seconds, or with a unit: 90, 90s, 5m, 2h. */
  interval?: string;
  timezone?: string;
  count?: number;
  locale?: 'en' | 'ja';
}

/** Typed client of the server's `schedules` module (/api/v1/schedules). */
@Injectable({ providedIn: 'root' })
export class SchedulesApi {
  private readonly http = inject(HttpClient);
  private readonly base = '/api/v1/schedules';

  /** All schedules, or those of one job (id or name). */
  list(job?: string): Observable<ScheduleList> {
    return allPages<Schedule, ScheduleList>(this.http, this.base, { job }).pipe(
      map(({ items, first }) => ({ items, total: first.total, nextCursor: null })),
    );
  }

  /** The jobs a schedule can run (GET /api/v1/jobs, all pages), for the editor's job picker. */
  jobs(): Observable<JobListResponse> {
    return allPages<JobView, JobListResponse>(this.http, '/api/v1/jobs').pipe(
      map(({ items, first }) => ({ items, total: first.total, nextCursor: null })),
    );
  }

  get(id: string): Observable<Schedule> {
    return this.http.get<Schedule>(`${this.base}/${encodeURIComponent(id)}`);
  }

  /** The description and next fire times of a cron or interval, without saving anything. */
  preview(query: SchedulePreviewQuery): Observable<SchedulePreview> {
    return this.http.get<SchedulePreview>(`${this.base}/preview`, { params: queryParams(query) });
  }

  create(body: CreateScheduleRequest): Observable<Schedule> {
    return this.http.post<Schedule>(this.base, body);
  }

  update(id: string, body: UpdateScheduleRequest): Observable<Schedule> {
    return this.http.patch<Schedule>(`${this.base}/${encodeURIComponent(id)}`, body);
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(`${this.base}/${encodeURIComponent(id)}`);
  }

  pause(id: string): Observable<Schedule> {
    return this.http.post<Schedule>(`${this.base}/${encodeURIComponent(id)}/pause`, {});
  }

  resume(id: string): Observable<Schedule> {
    return this.http.post<Schedule>(`${this.base}/${encodeURIComponent(id)}/resume`, {});
  }
}
