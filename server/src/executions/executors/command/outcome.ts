import type { ExecutionStatusValue } from '../../execution.entity.js';
import type { LogLevel } from '../command-log.js';

export const COMMAND_RUN_DISABLED =
  'Command jobs are disabled on this server (COMMAND_JOBS_ENABLED is not true): the script was not run';

export interface CommandOutcome {
  status: Extract<ExecutionStatusValue, 'succeeded' | 'failed' | 'timed_out' | 'cancelled'>;
  error: string | null;
  request: Record<string, unknown> | null;
  response: Record<string, unknown> | null;
  /** Closing lines, written with the result. */
  summary: [LogLevel, string][];
  /** A further attempt may succeed (the script failed or timed out; not a configuration error). */
  retryable: boolean;
  /** Plain secret values, for masking what the runner writes. */
  secrets: string[];
  /** The last log line the run wrote while it ran (the runner's closing lines come after it). */
  lastLogId?: string | null;
}

/** A setup step failed (checkout, working directory): the run fails with this message. */
export class SetupError extends Error {
  constructor(
    message: string,
    readonly retryable = false,
  ) {
    super(message);
  }
}

/** A command run that failed before or without a result (not retried). */
export function failedOutcome(error: string, secrets: string[] = []): CommandOutcome {
  return {
    status: 'failed',
    error,
    request: null,
    response: null,
    summary: [['error', error]],
    retryable: false,
    secrets,
  };
}
