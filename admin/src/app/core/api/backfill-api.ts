import { HttpClient, HttpHeaders } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { BackfillPreview, BackfillRequest, BackfillResponse } from '@api-manager/contracts';
import type { Observable } from 'rxjs';

/** Typed client of POST /api/v1/backfills (+ /preview). */
@Injectable({ providedIn: 'root' })
export class BackfillApi {
  private readonly http = inject(HttpClient);

  preview(body: BackfillRequest): Observable<BackfillPreview> {
    return this.http.post<BackfillPreview>('/api/v1/backfills/preview', body);
  }

  create(body: BackfillRequest): Observable<BackfillResponse> {
    return this.http.post<BackfillResponse>('/api/v1/backfills', body, {
      headers: new HttpHeaders({ 'x-requested-by': 'admin-ui' }),
    });
  }
}
