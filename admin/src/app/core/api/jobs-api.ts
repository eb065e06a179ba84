import { HttpClient, HttpHeaders, HttpParams } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  Capabilities,
  CreateJobRequest,
  ExecutionDetail,
  JobListQuery,
  JobListResponse,
  JobStatus,
  JobStatusBatch,
  JobView,
  JsonValue,
  RenderResponse,
  ResolveParamsResponse,
  RunJobResponse,
  UpdateJobRequest,
} from '@api-manager/contracts';
import { map, type Observable } from 'rxjs';

import { allPages } from './all-pages';

const JOBS_URL = '/api/v1/jobs';

/** Typed client of the server's `jobs` module (and the job-scoped routes of `executions`). */
@Injectable({ providedIn: 'root' })
export class JobsApi {
  private readonly http = inject(HttpClient);

  /** One page (`limit`, `cursor`) of the jobs matching the filters. */
  page(query: JobListQuery = {}): Observable<JobListResponse> {
    let params = new HttpParams();
    for (const [key, value] of Object.entries(query) as [string, unknown][]) {
      if (value !== undefined && value !== null && value !== '') {
        params = params.set(key, String(value));
      }
    }
    return this.http.get<JobListResponse>(JOBS_URL, { params });
  }

  /** Every job matching the filters (all pages; `nextCursor` is then null). */
  list(query: Omit<JobListQuery, 'limit' | 'cursor'> = {}): Observable<JobListResponse> {
    return allPages<JobView, JobListResponse>(this.http, JOBS_URL, { ...query }).pipe(
      map(({ items, first }) => ({ items, total: first.total, nextCursor: null })),
    );
  }

  /** What the server allows (command jobs need COMMAND_JOBS_ENABLED=true). */
  capabilities(): Observable<Capabilities> {
    return this.http.get<Capabilities>('/api/v1/capabilities');
  }

  get(idOrName: string): Observable<JobView> {
    return this.http.get<JobView>(`${JOBS_URL}/${encodeURIComponent(idOrName)}`);
  }

  create(job: CreateJobRequest): Observable<JobView> {
    return this.http.post<JobView>(JOBS_URL, job);
  }

  /** Top-level fields given replace the stored ones; `version` guards against lost updates (409). */
  update(idOrName: string, change: UpdateJobRequest): Observable<JobView> {
    return this.http.patch<JobView>(`${JOBS_URL}/${encodeURIComponent(idOrName)}`, change);
  }

  remove(idOrName: string): Observable<void> {
    return this.http.delete<void>(`${JOBS_URL}/${encodeURIComponent(idOrName)}`);
  }

  /** The request exactly as it would be sent for these params (secrets as '***'). */
  render(idOrName: string, params: Record<string, JsonValue>): Observable<RenderResponse> {
    return this.http.post<RenderResponse>(`${JOBS_URL}/${encodeURIComponent(idOrName)}/render`, { params });
  }

  /** The params a run would get: defaults applied, templates resolved on the server (any kind). */
  resolve(idOrName: string, params: Record<string, JsonValue>): Observable<ResolveParamsResponse> {
    return this.http.post<ResolveParamsResponse>(`${JOBS_URL}/${encodeURIComponent(idOrName)}/resolve`, { params });
  }

  /** Runs the job now; marked as a manual run from the admin UI. */
  run(idOrName: string, params: Record<string, JsonValue>): Observable<RunJobResponse> {
    return this.http.post<RunJobResponse>(
      `${JOBS_URL}/${encodeURIComponent(idOrName)}/runs`,
      { params },
      { headers: new HttpHeaders({ 'X-Requested-By': 'admin-ui' }) },
    );
  }

  /** One execution (for the run dialog's live view; the executions pages have their own client). */
  execution(id: string): Observable<ExecutionDetail> {
    return this.http.get<ExecutionDetail>(`/api/v1/executions/${encodeURIComponent(id)}`);
  }

  status(idOrName: string): Observable<JobStatus> {
    return this.http.get<JobStatus>(`${JOBS_URL}/${encodeURIComponent(idOrName)}/status`);
  }

  /** Several jobs' status in one call (at most JOB_STATUS_BATCH_MAX names). */
  statuses(names: readonly string[]): Observable<JobStatusBatch> {
    return this.http.get<JobStatusBatch>(`${JOBS_URL}/-/status`, {
      params: new HttpParams().set('names', names.join(',')),
    });
  }
}
