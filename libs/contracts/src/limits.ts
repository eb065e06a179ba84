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
  /** Headers of an HTTP job. */
  httpHeadersMax: 100,
  /** Query parameters of an HTTP job (keys; an array value counts each item). */
  httpQueryValuesMax: 200,
  /** Schedules per job. */
  schedulesPerJobMax: 100,
  /** Schedules in total. */
  schedulesMax: 5000,
  /** Smallest interval of an interval schedule, in seconds. */
  scheduleIntervalMinSeconds: 1,
  /** Default page size of every list endpoint. */
  pageDefault: 50,
  /** Largest page size of every list endpoint (`limit`). */
  pageMax: 500,
  /** Characters of a request path the server routes (longer paths answer 414). */
  pathMaxLength: 4096,
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
