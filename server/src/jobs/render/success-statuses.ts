import type { SuccessStatus } from '@api-manager/contracts';

const CLASS = /^([1-5])xx$/i;
const RANGE = /^(\d{3})\s*-\s*(\d{3})$/;

/** Null when `s` is a valid success-status entry, otherwise why not. */
export function successStatusError(s: unknown): string | null {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 100 && s <= 599 ? null : 'must be a status 100-599';
  if (typeof s !== 'string') return 'must be a status, "2xx" or "200-299"';
  if (CLASS.test(s.trim())) return null;
  if (/^\d{3}$/.test(s.trim())) return successStatusError(Number(s));
  const m = RANGE.exec(s.trim());
  if (m && Number(m[1]) >= 100 && Number(m[2]) <= 599 && Number(m[1]) <= Number(m[2])) return null;
  return 'must be a status, "2xx" or "200-299"';
}

/** Whether `status` counts as success under `list` (default ["2xx"]). */
export function isSuccessStatus(status: number, list: SuccessStatus[] = ['2xx']): boolean {
  for (const entry of list.length ? list : ['2xx']) {
    if (typeof entry === 'number') {
      if (status === entry) return true;
      continue;
    }
    const s = entry.trim();
    const cls = CLASS.exec(s);
    if (cls) {
      if (Math.floor(status / 100) === Number(cls[1])) return true;
      continue;
    }
    if (/^\d{3}$/.test(s) && status === Number(s)) return true;
    const m = RANGE.exec(s);
    if (m && status >= Number(m[1]) && status <= Number(m[2])) return true;
  }
  return false;
}
