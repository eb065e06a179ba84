import type { Pool, PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/** A client a statement runs on: the pool itself, or one connection inside a transaction. */
export type Queryable = Pick<Pool, 'query'> | Pick<PoolClient, 'query'>;

/**
 * The pg pool behind TypeORM's DataSource: the hot paths talk to it directly. The ONE place that
 * reaches through TypeORM's (private) `driver.master`; every store asks here.
 */
export function poolOf(dataSource: DataSource): Pool {
  return (dataSource.driver as unknown as { master: Pool }).master;
}

/** Rows of a statement run through an EntityManager (TypeORM returns [rows, count] for UPDATE/DELETE). */
export async function managerRows<T = Record<string, unknown>>(
  m: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const r: unknown = await m.query(text, params);
  if (Array.isArray(r) && r.length === 2 && Array.isArray(r[0]) && typeof r[1] === 'number') return r[0] as T[];
  return (r ?? []) as T[];
}
