import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { PipelineRunDetail, PipelineRunListQuery, PipelineRunPage } from '@api-manager/contracts';
import type { Observable } from 'rxjs';

import { queryParams } from './params';

/** Typed client of the server's `pipelines` module (/api/v1/pipeline-runs). */
@Injectable({ providedIn: 'root' })
export class PipelinesApi {
  private readonly http = inject(HttpClient);
  private readonly base = '/api/v1/pipeline-runs';

  list(query: PipelineRunListQuery = {}): Observable<PipelineRunPage> {
    return this.http.get<PipelineRunPage>(this.base, { params: queryParams(query) });
  }

  get(id: string): Observable<PipelineRunDetail> {
    return this.http.get<PipelineRunDetail>(`${this.base}/${encodeURIComponent(id)}`);
  }
}
