import { HttpClient, HttpErrorResponse } from '@angular/common/http';
import { Injectable, inject } from '@angular/core';
import type { HealthResponse } from '@api-manager/contracts';
import { type Observable, catchError, of, throwError } from 'rxjs';

/** Typed client of the server's `health` module (Terminus). */
@Injectable({ providedIn: 'root' })
export class HealthApi {
  static readonly readyUrl = '/api/health/ready';
  static readonly liveUrl = '/api/health/live';

  private readonly http = inject(HttpClient);

  /**
   * Readiness of the server: database, scheduler, workers. Terminus answers 503 when a check is
   * down (or the server is shutting down), with the same body; that is a result to show, not a
   * failure, so it is returned as such.
   */
  ready(): Observable<HealthResponse> {
    return this.check(HealthApi.readyUrl);
  }

  /** Liveness: the process is up and serving. */
  live(): Observable<HealthResponse> {
    return this.check(HealthApi.liveUrl);
  }

  private check(url: string): Observable<HealthResponse> {
    return this.http
      .get<HealthResponse>(url)
      .pipe(catchError((error: unknown) => (isHealthBody(error) ? of(error.error) : throwError(() => error))));
  }
}

function isHealthBody(error: unknown): error is HttpErrorResponse & { error: HealthResponse } {
  return (
    error instanceof HttpErrorResponse &&
    error.status === 503 &&
    typeof error.error === 'object' &&
    error.error !== null &&
    typeof (error.error as { status?: unknown }).status === 'string'
  );
}
