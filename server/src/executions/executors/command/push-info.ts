import type { Pool } from 'pg';
import type { Execution } from '../../execution.entity.js';

export interface PushInfo {
  repository: string | null;
  cloneUrl: string | null;
  branch: string | null;
  after: string | null;
  changedFiles: string[];
  context: Record<string, unknown>;
}

/** The push summary and changed files of a webhook delivery (null when there is no such delivery). */
export async function readDeliveryPush(
  pool: Pool,
  deliveryId: string,
): Promise<{ push: Record<string, unknown> | null; changedFiles: unknown } | null> {
  const { rows } = await pool.query<{ push: Record<string, unknown> | null; changed_files: unknown }>(
    'SELECT push, changed_files FROM webhook_deliveries WHERE id = $1',
    [deliveryId],
  );
  return rows[0] ? { push: rows[0].push, changedFiles: rows[0].changed_files } : null;
}

const str = (v: unknown) => (typeof v === 'string' && v ? v : null);

/**
 * The push the execution was made for: from its delivery (webhook runs: the full payload summary,
 * clone URL included), else the push context stored with the execution (chain steps of a push run).
 */
export async function pushOf(pool: Pool, exec: Execution): Promise<PushInfo | null> {
  const deliveryId = exec.deliveryId ?? (exec.trigger === 'webhook' ? exec.triggerRef : null);
  if (!deliveryId || !/^[0-9a-f-]{36}$/i.test(deliveryId)) return storedPush(exec);
  const delivery = await readDeliveryPush(pool, deliveryId);
  const p = delivery?.push;
  if (!p) return storedPush(exec);
  const files = Array.isArray(delivery.changedFiles) ? (delivery.changedFiles as string[]) : [];
  return {
    repository: str(p.repository),
    cloneUrl: str(p.cloneUrl),
    branch: str(p.branch),
    after: str(p.after),
    changedFiles: files,
    context: { ...p, changedFiles: files, deliveryId },
  };
}

function storedPush(exec: Execution): PushInfo | null {
  const p = exec.push;
  if (!p) return null;
  const files = Array.isArray(p.changedFiles) ? (p.changedFiles as string[]) : [];
  return {
    repository: str(p.repository),
    cloneUrl: str(p.cloneUrl),
    branch: str(p.branch),
    after: str(p.after),
    changedFiles: files,
    context: p,
  };
}
