import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  ExecutionDetail,
  ExecutionList,
  ExecutionStatus,
  ExecutionSummary,
  ExecutionTrigger,
  RunJobResponse,
} from '@api-manager/contracts';
import type { Observable } from 'rxjs';

import { queryParams } from './params';

export interface ExecutionQuery {
  job?: string;
  /** `name:value`: runs whose params hold that value (GET /executions?param=). */
  param?: string;
  status?: ExecutionStatus[];
  trigger?: ExecutionTrigger[];
  since?: string;
  until?: string;
  cursor?: string;
  limit?: number;
}

/** Typed client of the server's `executions` module (/api/v1/executions). */
@Injectable({ providedIn: 'root' })
export class ExecutionsApi {
  private readonly http = inject(HttpClient);
  private readonly base = '/api/v1/executions';

  /** One page, newest first; pass `nextCursor` back as `cursor` for the next (older) page. */
  list(query: ExecutionQuery = {}): Observable<ExecutionList> {
    return this.http.get<ExecutionList>(this.base, { params: queryParams(query) });
  }

  get(id: string): Observable<ExecutionDetail> {
    return this.http.get<ExecutionDetail>(`${this.base}/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Observable<ExecutionSummary> {
    return this.http.post<ExecutionSummary>(`${this.base}/${encodeURIComponent(id)}/cancel`, {});
  }

  /** Runs a finished execution again, as a new execution. */
  /** A fan-out parent: re-run only its failed, timed-out and lost children into the same parent. */
  retryFailed(id: string): Observable<RunJobResponse> {
    return this.http.post<RunJobResponse>(`${this.base}/${encodeURIComponent(id)}/retry?only=failed`, {});
  }

  retry(id: string): Observable<RunJobResponse> {
    return this.http.post<RunJobResponse>(`${this.base}/${encodeURIComponent(id)}/retry`, {});
  }
}
