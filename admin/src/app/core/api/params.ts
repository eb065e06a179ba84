import { HttpParams } from '@angular/common/http';

/** Query parameters without the empty ones (undefined, null, '' and empty arrays); arrays as CSV. */
export function queryParams(values: object): HttpParams {
  let params = new HttpParams();
  for (const [key, value] of Object.entries(values) as [string, unknown][]) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) {
      if (value.length) params = params.set(key, value.join(','));
      continue;
    }
    params = params.set(key, String(value as string | number | boolean));
  }
  return params;
}
