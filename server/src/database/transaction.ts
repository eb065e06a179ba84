import type { Pool, PoolClient } from 'pg';

/**
 * Run `fn` in one transaction on one pooled connection: COMMIT when it resolves, ROLLBACK when it throws.
 * `begin` may add settings to the BEGIN (e.g. `BEGIN; SET LOCAL …`: one round trip).
 */
export async function inTransaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query(begin);
    const out = await fn(c);
    await c.query('COMMIT');
    return out;
  } catch (err) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    c.release();
  }
}
