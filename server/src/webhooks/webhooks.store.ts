import type { EntityManager } from 'typeorm';
import { managerRows, type Queryable } from '../database/pg-pool.js';
import { compose, cteName } from '../database/sql-fragment.js';
import { type PlainRuns, type QueuedRunsCounts, queueRunsFragment } from '../executions/executions.store.js';

/**
 * The SQL of the webhooks module (`webhook_deliveries`, `webhook_sources`): one function per statement.
 * A delivery and its plain runs are ONE statement: the executions module builds the runs' CTEs
 * (`queueRunsFragment`, typed input) and this file composes them after the delivery's INSERT.
 */

const INSERT_DELIVERY = `INSERT INTO webhook_deliveries (id, delivery_key, provider, event, outcome, repository, ref,
    before_sha, after_sha, head_commit, changed_file_count, changed_files, untrusted_reason, skip_reason, matches,
    triggered_jobs, push, headers, response_code, response, source_id, replay_of, actor, repo_config)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
  ON CONFLICT (provider, delivery_key) DO NOTHING`;

/** The delivery row's parameters, in `INSERT_DELIVERY`'s order (DeliveryRecorder.deliveryValues). */
export type DeliveryValues = unknown[];

/**
 * INSERT the delivery (nothing on a duplicate delivery key) and, only when it was inserted, its runs:
 * one statement, one round trip, atomic without BEGIN/COMMIT.
 */
export async function insertDeliveryWithRuns(
  db: Queryable,
  values: DeliveryValues,
  runs: PlainRuns,
): Promise<{ inserted: number } & QueuedRunsCounts> {
  const d = cteName('d');
  const runsPart = queueRunsFragment(runs, d);
  const st = compose(
    [{ text: `${INSERT_DELIVERY} RETURNING id`, values }, runsPart.ctes],
    ([delivery, ctes]) => `WITH ${d} AS (${delivery}), ${ctes}
         SELECT (SELECT count(*) FROM ${d})::int AS inserted, ${runsPart.select}`,
  );
  const { rows } = await db.query<{ inserted: number } & QueuedRunsCounts>(st.text, st.values);
  return rows[0]!;
}

/** INSERT the delivery in `m`'s transaction; false when its delivery key was already recorded. */
export async function insertDelivery(m: EntityManager, values: DeliveryValues): Promise<boolean> {
  return (await managerRows(m, `${INSERT_DELIVERY} RETURNING id`, values)).length > 0;
}
