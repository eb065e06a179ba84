// Fan-out sources (a list fetched when the run starts), date ranges, matrix fan-out and backfills.
import type { JsonValue, SecretInput } from './jobs.js';

/** Longest date range a `daterange` param (or a backfill's `dates`) may span, in days. */
export const DATE_RANGE_MAX_DAYS = 1000;

/**
 * A fan-out param's items fetched over HTTP when the parent run starts (by the worker, not in the
 * request). Same URL guard, redirect and secret rules as an HTTP job. Never falls back to a default:
 * a failed call, a missing path or a non-list fails the parent with the reason.
 */
export interface FanOutSource<S = SecretInput> {
  /** Template allowed (params of the run); scheme, host and port stay those written here. */
  url: string;
  /** Default GET. */
  method?: 'GET' | 'POST';
  /** Header values; `{secret: true, value}` is stored encrypted and masked everywhere. */
  headers?: Record<string, string | S>;
  /** Where the list is in the JSON answer: `$.devices`, `data.items`, `$.data[0].ids`; `$` = the answer itself. */
  jsonPath: string;
  /** When the list holds objects: the field of each holding the item (e.g. `id`). */
  itemField?: string;
  /** Default 10000. */
  timeoutMs?: number;
}

/** What the parent run recorded about its fetched list (GET /executions/:id → `fanOut.source`). */
export interface FanOutSourceRecord {
  param: string;
  /** URL as called, secrets masked. */
  url: string;
  method: string;
  status: number | null;
  count: number | null;
  /** The first few items (at most 10). */
  firstItems: string[];
  error: string | null;
  fetchedAt: string;
}

/** GET /executions/:id `fanOut`: how a fan-out parent was made (absent for other runs). */
export interface ExecutionFanOutInfo {
  /** Children running at once at most (the parent's own limit, else the job's fanOutParallelism). */
  parallelism: number | null;
  /** Fan-out params and how many items each had (a matrix: several). */
  dimensions?: { param: string; count: number }[];
  sources?: FanOutSourceRecord[];
  backfill?: BackfillRecord;
}

export interface BackfillRequest {
  /** Job name or id (a pipeline: its root job). */
  job: string;
  /** `2026-11-01..2026-11-07`, inclusive, in the job's time zone (keywords today/yesterday allowed). */
  dates: string;
  /** The param that receives each date; default the job's first `date` (or `daterange`) param. */
  dateParam?: string;
  /** Days between dates; default 1. */
  step?: number;
  /** Key params: a list per param (crossed with the dates), or one value (same for every run). */
  params?: Record<string, JsonValue>;
  /** Skip keys that already have a succeeded run of the job with the same key params. */
  onlyMissing?: boolean;
  /** Children running at once at most; default the job's fanOutParallelism. */
  parallelism?: number;
}

export interface BackfillPreview {
  job: string;
  dates: string[];
  /** Every key (params × dates). */
  total: number;
  /** Keys skipped because a succeeded run exists (onlyMissing). */
  skipped: number;
  /** Runs that a submit would create. */
  toRun: number;
  /** The first keys to run (at most 20), for a look before submitting. */
  sample: Record<string, JsonValue>[];
}

export interface BackfillRecord {
  dates: string;
  dateParam: string;
  keyParams: string[];
  onlyMissing: boolean;
  total: number;
  skipped: number;
}

export interface BackfillResponse extends BackfillPreview {
  /** The backfill's parent execution (succeeded at once with 0 children when nothing was left to run). */
  executionId: string;
}
