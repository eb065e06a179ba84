import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateWebhookSourceRequest,
  UpdateWebhookSourceRequest,
  WebhookDeliveryDetail,
  WebhookDeliveryPage,
  WebhookDeliveryQuery,
  WebhookDryRunRequest,
  WebhookDryRunResponse,
  WebhookReplayRequest,
  WebhookReplayResponse,
  WebhookSourceView,
} from '@api-manager/contracts';
import { map, type Observable } from 'rxjs';

import { allPages } from './all-pages';

import { queryParams } from './params';

/** Typed client of the server's `webhooks` module: deliveries, replay, dry run, sources. */
@Injectable({ providedIn: 'root' })
export class WebhooksApi {
  private readonly http = inject(HttpClient);
  private readonly base = '/api/v1/webhooks';

  deliveries(query: WebhookDeliveryQuery = {}): Observable<WebhookDeliveryPage> {
    return this.http.get<WebhookDeliveryPage>(`${this.base}/deliveries`, { params: queryParams(query) });
  }

  delivery(id: string): Observable<WebhookDeliveryDetail> {
    return this.http.get<WebhookDeliveryDetail>(`${this.base}/deliveries/${encodeURIComponent(id)}`);
  }

  replay(id: string, body: WebhookReplayRequest = {}): Observable<WebhookReplayResponse> {
    return this.http.post<WebhookReplayResponse>(`${this.base}/deliveries/${encodeURIComponent(id)}/replay`, body);
  }

  /** Which jobs a payload would trigger, and why; nothing is written or run. */
  dryRun(body: WebhookDryRunRequest): Observable<WebhookDryRunResponse> {
    return this.http.post<WebhookDryRunResponse>(`${this.base}/github/dry-run`, body);
  }

  sources(): Observable<WebhookSourceView[]> {
    return allPages<WebhookSourceView>(this.http, `${this.base}/sources`).pipe(map((p) => p.items));
  }

  createSource(body: CreateWebhookSourceRequest): Observable<WebhookSourceView> {
    return this.http.post<WebhookSourceView>(`${this.base}/sources`, body);
  }

  updateSource(id: string, body: UpdateWebhookSourceRequest): Observable<WebhookSourceView> {
    return this.http.patch<WebhookSourceView>(`${this.base}/sources/${encodeURIComponent(id)}`, body);
  }

  removeSource(id: string): Observable<void> {
    return this.http.delete<void>(`${this.base}/sources/${encodeURIComponent(id)}`);
  }
}
