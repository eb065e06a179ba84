import { HttpClient } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type {
  CreateNotificationChannelRequest,
  NotificationChannelView,
  NotificationTestResult,
  UpdateNotificationChannelRequest,
} from '@api-manager/contracts';
import { map, type Observable } from 'rxjs';

import { allPages } from './all-pages';

/** Typed client of the server's `notifications` module: channels and test sends. */
@Injectable({ providedIn: 'root' })
export class NotificationsApi {
  private readonly http = inject(HttpClient);
  private readonly base = '/api/v1/notifications/channels';

  channels(): Observable<NotificationChannelView[]> {
    return allPages<NotificationChannelView>(this.http, this.base).pipe(map((p) => p.items));
  }

  create(body: CreateNotificationChannelRequest): Observable<NotificationChannelView> {
    return this.http.post<NotificationChannelView>(this.base, body);
  }

  update(id: string, body: UpdateNotificationChannelRequest): Observable<NotificationChannelView> {
    return this.http.patch<NotificationChannelView>(`${this.base}/${encodeURIComponent(id)}`, body);
  }

  remove(id: string): Observable<void> {
    return this.http.delete<void>(`${this.base}/${encodeURIComponent(id)}`);
  }

  test(id: string): Observable<NotificationTestResult> {
    return this.http.post<NotificationTestResult>(`${this.base}/${encodeURIComponent(id)}/test`, {});
  }
}
