/**
 * Every size cap the server enforces, in one place (README "Limits" documents the same table).
 * Inputs over a cap are refused with 400 naming the field; lists are paged with `limit` + `cursor`.
 */
export const LIMITS = {
  /** Characters in a param's `pattern` (a RE2 regular expression, linear time). */
  paramPatternMaxLength: 1000,
  /** Characters in one param value (a string, or one item of a `string[]`). */
  paramValueMaxLength: 4096,
  /** Items in a `string[]` param that is not the fan-out param. */
  paramListMaxItems: 1000,
  /** Keys of any one JSON object in a request body (e.g. a job's headers, query or params mapping). */
  jsonObjectKeysMax: 1000,
  /** Headers of an HTTP job (each value at most 8,000 characters). */
  httpHeadersMax: 100,
  /** Query values of an HTTP job (an array value counts each item; each at most 8,000 characters). */
  httpQueryValuesMax: 200,
  /** Environment variables of a command job. */
  commandEnvMax: 200,
  /** Schedules per job. */
  schedulesPerJobMax: 100,
  /** Schedules in total (bench/schedules.mjs measures 1,000 every-second schedules). */
  schedulesMax: 2000,
  /** Default page size of every list endpoint. */
  pageDefault: 50,
  /** Largest page size of every list endpoint (`limit`). */
  pageMax: 500,
  /** Largest page of `GET /executions` (`limit`); the others take up to pageMax. */
  executionsPageMax: 200,
  /** Log lines shown by `GET /executions/:id` (the first ones). */
  executionDetailLogsMax: 5000,
  /** Children (fan-out) listed by `GET /executions/:id`; the progress counts cover all of them. */
  executionDetailChildrenMax: 1000,
} as const;

export type Limits = typeof LIMITS;

/** A page of a list endpoint: newest/first items, and the cursor of the next page (null at the end). */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

/** `limit` and `cursor` of every list endpoint. */
export interface PageQuery {
  limit?: number;
  cursor?: string;
}
