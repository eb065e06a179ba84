import type { HttpClient } from '@angular/common/http';
import { LIMITS, type Page } from '@api-manager/contracts';
import { EMPTY, expand, type Observable, reduce } from 'rxjs';

import { queryParams } from './params';

/**
 * Every item of a cursor-paged list endpoint (pages of LIMITS.pageMax, followed through `nextCursor`),
 * for screens that show a whole, bounded list (tokens, users, sources, channels, job pickers).
 */
export function allPages<T, P extends Page<T> = Page<T>>(
  http: HttpClient,
  url: string,
  query: Record<string, string | number | boolean | undefined | null> = {},
): Observable<{ items: T[]; first: P }> {
  const page = (cursor?: string) =>
    http.get<P>(url, { params: queryParams({ ...query, limit: LIMITS.pageMax, cursor }) });
  return page().pipe(
    expand((p) => (p.nextCursor ? page(p.nextCursor) : EMPTY)),
    reduce((acc, p) => ({ items: acc.items.concat(p.items), first: acc.first ?? p }), {
      items: [] as T[],
      first: undefined as unknown as P,
    }),
  );
}
