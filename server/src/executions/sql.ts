import type { Execution } from './execution.entity.js';
import { type ExecutionRowPart, toExecution as fromRow } from './executions.store.js';

/**
 * `toExecution` for statements whose rows are not typed yet (the queue's claim, history and status reads,
 * other modules): the row is taken as an `ExecutionRowPart` unchecked. The executions module's SQL and
 * `toExecution` with a typed `ExecutionRow` are in executions.store.ts; new code imports from there.
 */
export function toExecution(r: Record<string, unknown>): Execution {
  return fromRow(r as unknown as ExecutionRowPart);
}

// The pool accessor lives in database/pg-pool.ts; re-exported for code that imports it from here.
export { poolOf } from '../database/pg-pool.js';
