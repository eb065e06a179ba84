import type { WebhookHeadCommit, WebhookReceiveResponse, WebhookRepoConfig } from '@api-manager/contracts';
import type { DataSource, EntityManager, Repository } from 'typeorm';
import { managerRows, poolOf, type Queryable } from '../database/pg-pool.js';
import { compose, cteName } from '../database/sql-fragment.js';
import { type PlainRuns, type QueuedRunsCounts, queueRunsFragment } from '../executions/executions.store.js';
import type { DeliveryQueryDto } from './dto/webhook-delivery.dto.js';
import type { MatchSetJob } from './match-set.js';
import type { WebhookSource } from './webhook-source.entity.js';

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

/** Store a match set (see match-set.ts); every replica computes the same id for the same jobs. */
export async function insertMatchSet(db: Queryable, id: string, jobs: string): Promise<void> {
  await db.query(`INSERT INTO webhook_match_sets (id, jobs) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, jobs]);
}

/** A match set's jobs, or null when it is gone. */
export async function matchSetJobs(ds: DataSource, id: string): Promise<MatchSetJob[] | null> {
  const { rows } = await poolOf(ds).query<{ jobs: MatchSetJob[] }>(
    `SELECT jobs FROM webhook_match_sets WHERE id = $1`,
    [id],
  );
  return rows[0]?.jobs ?? null;
}

/** INSERT the delivery in `m`'s transaction; false when its delivery key was already recorded. */
export async function insertDelivery(m: EntityManager, values: DeliveryValues): Promise<boolean> {
  return (await managerRows(m, `${INSERT_DELIVERY} RETURNING id`, values)).length > 0;
}

/** The first delivery with this key, counted as duplicated once more: its response (undefined if gone). */
export async function countDuplicate(
  db: Queryable,
  provider: string,
  deliveryKey: string,
): Promise<{ response: WebhookReceiveResponse; response_code: number } | undefined> {
  // (wrapped in a CTE so the driver answers rows, as for a SELECT)
  const { rows } = await db.query<{ response: WebhookReceiveResponse; response_code: number }>(
    `WITH u AS (
       UPDATE webhook_deliveries SET duplicate_count = duplicate_count + 1, last_duplicate_at = now()
        WHERE provider = $1 AND delivery_key = $2 RETURNING response, response_code)
     SELECT * FROM u`,
    [provider, deliveryKey],
  );
  return rows[0];
}

/** A delivery's matches and response after runs were refused in its transaction. */
export async function updateDeliveryResult(
  m: EntityManager,
  deliveryId: string,
  r: { matches: string; triggeredJobs: string[]; response: string; outcome: 'triggered' | 'no_match' },
): Promise<void> {
  await m.query(
    `UPDATE webhook_deliveries SET matches = $2, triggered_jobs = $3, response = $4, outcome = $5 WHERE id = $1`,
    [deliveryId, r.matches, r.triggeredJobs, r.response, r.outcome],
  );
}

/** A `webhook_deliveries` row (SELECT *). */
export interface DeliveryRow {
  id: string;
  repo_config?: WebhookRepoConfig | null;
  delivery_key: string;
  provider: string;
  event: string;
  outcome: string;
  repository: string | null;
  ref: string | null;
  before_sha: string | null;
  after_sha: string | null;
  head_commit: WebhookHeadCommit | null;
  changed_file_count: number;
  changed_files: string[];
  untrusted_reason: string | null;
  skip_reason: string | null;
  /** Packed against a match set (match-set.ts), or the plain list of rows written before. */
  matches: unknown;
  triggered_jobs: string[];
  push: Record<string, unknown> | null;
  headers: Record<string, string>;
  response_code: number;
  response: WebhookReceiveResponse;
  source_id: string | null;
  replay_of: string | null;
  actor: string | null;
  duplicate_count: number;
  created_at: Date;
}

const SUMMARY_COLUMNS = `id, delivery_key, provider, event, outcome, repository, ref, before_sha, after_sha, head_commit,
  changed_file_count, untrusted_reason, skip_reason, triggered_jobs, response_code, replay_of, actor, duplicate_count, created_at`;

/** The columns of the deliveries log (`SUMMARY_COLUMNS`). */
export type DeliverySummaryRow = Pick<
  DeliveryRow,
  | 'id'
  | 'delivery_key'
  | 'provider'
  | 'event'
  | 'outcome'
  | 'repository'
  | 'ref'
  | 'before_sha'
  | 'after_sha'
  | 'head_commit'
  | 'changed_file_count'
  | 'untrusted_reason'
  | 'skip_reason'
  | 'triggered_jobs'
  | 'response_code'
  | 'replay_of'
  | 'actor'
  | 'duplicate_count'
  | 'created_at'
>;

/** The deliveries log, newest first, filtered; `limit` rows after the cursor's delivery (a UUID, checked by the caller). */
export async function listDeliveries(
  ds: DataSource,
  q: DeliveryQueryDto,
  limit: number,
): Promise<DeliverySummaryRow[]> {
  const where: string[] = [];
  const args: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (q.provider) add('provider = ?', q.provider);
  if (q.repository) add('lower(repository) = lower(?)', q.repository);
  if (q.outcome) add('outcome = ?', q.outcome);
  if (q.event) add('event = ?', q.event);
  if (q.job) add('triggered_jobs @> ARRAY[?]::text[]', q.job);
  if (q.since) add('created_at >= ?', q.since);
  if (q.until) add('created_at < ?', q.until);
  if (q.cursor) {
    add('(created_at, id) < (SELECT created_at, id FROM webhook_deliveries WHERE id = ?)', q.cursor);
  }
  const { rows } = await poolOf(ds).query<DeliverySummaryRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM webhook_deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
    args,
  );
  return rows;
}

/** One delivery (SELECT *), or undefined. */
export async function deliveryById(ds: DataSource, id: string): Promise<DeliveryRow | undefined> {
  const { rows } = await poolOf(ds).query<DeliveryRow>(`SELECT * FROM webhook_deliveries WHERE id = $1`, [id]);
  return rows[0];
}

/** The runs a delivery made. Reads `executions` (the executions module's table), on purpose: the detail's list. */
export async function executionsOfDelivery(
  ds: DataSource,
  deliveryId: string,
): Promise<{ id: string; job_id: string; job_name: string; status: string }[]> {
  const { rows } = await poolOf(ds).query<{ id: string; job_id: string; job_name: string; status: string }>(
    `SELECT id, job_id, job_name, status FROM executions WHERE delivery_id = $1 ORDER BY created_at, id`,
    [deliveryId],
  );
  return rows;
}

/** Ids of the replays of a delivery, oldest first. */
export async function replaysOf(ds: DataSource, deliveryId: string): Promise<{ id: string }[]> {
  const { rows } = await poolOf(ds).query<{ id: string }>(
    `SELECT id FROM webhook_deliveries WHERE replay_of = $1 ORDER BY created_at`,
    [deliveryId],
  );
  return rows;
}

/** Insert or update a source (TypeORM `save`: every column of the entity). */
export function saveSource(repo: Repository<WebhookSource>, row: WebhookSource): Promise<WebhookSource> {
  return repo.save(row);
}

/** Delete a source. */
export async function removeSource(repo: Repository<WebhookSource>, row: WebhookSource): Promise<void> {
  await repo.remove(row);
}

/** Every source (the receiver's secrets cache). */
export function allSources(repo: Repository<WebhookSource>): Promise<WebhookSource[]> {
  return repo.find();
}

/** One source by id, or null. */
export function sourceById(repo: Repository<WebhookSource>, id: string): Promise<WebhookSource | null> {
  return repo.findOne({ where: { id } });
}

/** A keyset page of sources by provider, repository (provider-wide first), id: `limit` rows after `after`. */
export function sourcePage(
  repo: Repository<WebhookSource>,
  after: { provider: string; repository: string; id: string } | null,
  limit: number,
): Promise<WebhookSource[]> {
  const qb = repo.createQueryBuilder('s');
  if (after)
    qb.where(`(s.provider, COALESCE(s.repository, ''), s.id) > (:p, :r, :i)`, {
      p: after.provider,
      r: after.repository,
      i: after.id,
    });
  qb.orderBy('s.provider').addOrderBy(`COALESCE(s.repository, '')`).addOrderBy('s.id').limit(limit);
  return qb.getMany();
}
