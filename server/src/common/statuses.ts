/**
 * Execution statuses (the one list in libs/contracts/src/statuses.ts), for server code: imported by
 * relative path because `@api-manager/contracts` is a compile-time alias only (see common/limits.ts).
 */
export {
  ACTIVE_STATUSES,
  EXECUTION_STATUSES,
  FAILURE_STATUSES,
  FINAL_STATUSES,
  NOTIFIED_STATUSES,
  isExecutionStatus,
  sqlStatusList,
  statusIn,
} from '../../../libs/contracts/src/statuses.js';
export type {
  ActiveStatus,
  ExecutionStatus,
  FailureStatus,
  FinalStatus,
} from '../../../libs/contracts/src/statuses.js';
