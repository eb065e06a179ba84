/** One fan-out dimension: a param and its items (already sealed when the param is secret). */
export interface Dimension {
  param: string;
  items: string[];
}

/** Children a matrix makes: the product of the dimensions' sizes (counted, nothing expanded). */
export function matrixSize(dims: readonly Dimension[]): number {
  return dims.reduce((n, d) => n * d.items.length, dims.length ? 1 : 0);
}

/**
 * The cartesian product as one JSON object per child (`{"device_id":"d1","date":"2026-11-01"}`), the
 * first dimension varying slowest. Callers check `matrixSize` against FANOUT_MAX first.
 */
export function matrixRows(dims: readonly Dimension[]): string[] {
  if (!dims.length) return [];
  let rows: Record<string, string>[] = [{}];
  for (const d of dims) {
    const next: Record<string, string>[] = [];
    for (const r of rows) for (const item of d.items) next.push({ ...r, [d.param]: item });
    rows = next;
  }
  return rows.map((r) => JSON.stringify(r));
}
