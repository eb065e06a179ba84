import { randomUUID } from 'node:crypto';
import { type CteName, type SqlFragment } from '../database/sql-fragment.js';
import type { EnqueueInput } from './enqueue-input.js';
import { retrySettings } from './retry-policy.js';

/**
 * SQL of queueing runs (the executions module's data access for the queue's INSERTs; the services'
 * other statements are still in place, see docs/architecture.md "Data access").
 */

export const RUN_COLUMNS = `id, job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for, delivery_id,
  parent_id, retry_of, params, status, max_attempts, run_at, push`;

/** The push a run is made for: given, else the template context's (webhook runs). */
export const pushOf = (input: EnqueueInput): Record<string, unknown> | null =>
  input.push !== undefined ? input.push : (input.context?.push ?? null);

/** `SELECT` list + `FROM unnest(…)` of queued runs from `runColumns`' arrays ($first…), in their order. */
export function runValues(first: number, when = 'true'): string {
  const types = ['uuid', 'uuid', 'text', 'text', 'text', 'text', 'uuid', 'timestamptz', 'uuid', 'uuid', 'uuid', 'text'];
  const arrays = [...types, 'int', 'timestamptz', 'text'].map((t, i) => `$${first + i}::${t}[]`).join(', ');
  return `v.id, v.job_id, v.job_name, v.trigger, v.trigger_ref, v.actor, v.schedule_id, v.scheduled_for, v.delivery_id,
              v.parent_id, v.retry_of, v.params::jsonb, 'queued', v.max_attempts, COALESCE(v.run_at, now()), v.push::jsonb
         FROM unnest(${arrays})
              WITH ORDINALITY AS v(id, job_id, job_name, trigger, trigger_ref, actor, schedule_id, scheduled_for,
                                   delivery_id, parent_id, retry_of, params, max_attempts, run_at, push, n)
        WHERE ${when}
        ORDER BY v.n`;
}

/** One array per column of `runValues`, ids chosen here. */
export function runColumns(items: { input: EnqueueInput; params: Record<string, unknown> }[]): unknown[][] {
  const col = <T>(f: (x: (typeof items)[number]) => T): T[] => items.map(f);
  return [
    col(() => randomUUID()),
    col((x) => x.input.job.id),
    col((x) => x.input.job.name),
    col((x) => x.input.trigger),
    col((x) => x.input.triggerRef ?? null),
    col((x) => x.input.actor ?? null),
    col((x) => x.input.scheduleId ?? null),
    col((x) => x.input.scheduledFor ?? null),
    col((x) => x.input.deliveryId ?? null),
    col((x) => x.input.parentId ?? null),
    col((x) => x.input.retryOf ?? null),
    col((x) => JSON.stringify(x.params)),
    col((x) => retrySettings(x.input.job.retry).maxAttempts),
    col((x) => x.input.runAt ?? null),
    col((x) => {
      const push = pushOf(x.input);
      return push ? JSON.stringify(push) : null;
    }),
  ];
}

/** Plain runs ready to be queued inside another module's statement (`ExecutionsService.plainRuns`). */
export interface PlainRuns {
  /** One array per column of `RUN_COLUMNS` (`runColumns`). */
  columns: unknown[][];
  /** The run ids (chosen before the statement). */
  ids: string[];
  /** The NOTIFYs sent with the runs: the workers' wake, then the execution events. */
  channels: string[];
  payloads: string[];
}

/** What `queueRunsFragment`'s select list answers. */
export interface QueuedRunsCounts {
  queued: number;
  notified: number;
}

/**
 * The runs as CTEs of a caller's statement: `apm_runs` inserts them and `apm_runs_notify` wakes the
 * workers and sends the execution events, both only when the caller's CTE `onlyIfRowIn` returned a
 * row (every run is inserted then, none otherwise). `select` is the caller's select-list part (columns
 * of `QueuedRunsCounts`) that makes the CTEs be evaluated. Parameters numbered from $1 (`compose`).
 */
export function queueRunsFragment(runs: PlainRuns, onlyIfRowIn: CteName): { ctes: SqlFragment; select: string } {
  const when = `EXISTS (SELECT 1 FROM ${onlyIfRowIn})`;
  const n = 1 + runs.columns.length;
  return {
    ctes: {
      text: `apm_runs AS (
          INSERT INTO executions (${RUN_COLUMNS}) SELECT ${runValues(1, when)} RETURNING id),
        apm_runs_notify AS (
          SELECT pg_notify(c.channel, c.payload) FROM unnest($${n}::text[], $${n + 1}::text[]) AS c(channel, payload)
           WHERE ${when})`,
      values: [...runs.columns, runs.channels, runs.payloads],
    },
    select: '(SELECT count(*) FROM apm_runs)::int AS queued, (SELECT count(*) FROM apm_runs_notify)::int AS notified',
  };
}
