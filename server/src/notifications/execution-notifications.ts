import type { ExecutionNotification } from '@api-manager/contracts';
import type { DataSource } from 'typeorm';
import { poolOf } from '../database/pg-pool.js';
import { selectExecutionNotifications } from './notifications.store.js';

/** The notifications recorded for one execution (GET /executions/:id). */
export async function executionNotifications(
  dataSource: DataSource,
  executionId: string,
): Promise<ExecutionNotification[]> {
  const rows = await selectExecutionNotifications(poolOf(dataSource), executionId);
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel_name,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    createdAt: new Date(r.created_at).toISOString(),
    sentAt: r.sent_at ? new Date(r.sent_at).toISOString() : null,
  }));
}
