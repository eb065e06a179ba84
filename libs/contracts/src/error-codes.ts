/**
 * Stable error codes: every 4xx (and 5xx) JSON body of the API carries `code` next to the English
 * `message`, so a client can react to, or translate, an error without parsing English. This is the
 * one list of codes the server may send; the admin has an en and a ja text for each (a test checks).
 * Codes never change meaning once released; new ones are appended.
 *
 * Each entry: the HTTP status it comes with, and the params the body's `params` (or a field
 * error's `params`) carries for it.
 */
export const ERROR_CODES = {
  // Generic, by HTTP status (used when nothing more specific is known).
  BAD_REQUEST: { status: 400, params: ['message'] },
  UNAUTHENTICATED: { status: 401, params: [] },
  FORBIDDEN: { status: 403, params: [] },
  NOT_FOUND: { status: 404, params: [] },
  CONFLICT: { status: 409, params: [] },
  PAYLOAD_TOO_LARGE: { status: 413, params: [] },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, params: [] },
  RATE_LIMITED: { status: 429, params: ['retryAfter'] },
  INTERNAL_ERROR: { status: 500, params: [] },
  SERVICE_UNAVAILABLE: { status: 503, params: [] },
  // Request shape.
  INVALID_JSON: { status: 400, params: [] },
  VALIDATION_FAILED: { status: 400, params: [] },
  INVALID_ID: { status: 400, params: ['field'] },
  INVALID_CURSOR: { status: 400, params: [] },
  // Not found.
  JOB_NOT_FOUND: { status: 404, params: ['job'] },
  SCHEDULE_NOT_FOUND: { status: 404, params: ['id'] },
  EXECUTION_NOT_FOUND: { status: 404, params: ['id'] },
  USER_NOT_FOUND: { status: 404, params: ['id'] },
  TOKEN_NOT_FOUND: { status: 404, params: ['id'] },
  DELIVERY_NOT_FOUND: { status: 404, params: ['id'] },
  WEBHOOK_SOURCE_NOT_FOUND: { status: 404, params: ['id'] },
  CHANNEL_NOT_FOUND: { status: 404, params: ['id'] },
  // Conflicts.
  JOB_NAME_TAKEN: { status: 409, params: ['name'] },
  JOB_DISABLED: { status: 409, params: ['job'] },
  JOB_CHANGED_MEANWHILE: { status: 409, params: ['job', 'current', 'given'] },
  JOB_REFERENCED: { status: 409, params: ['job', 'referrers'] },
  USERNAME_TAKEN: { status: 409, params: ['username'] },
  LAST_ADMIN: { status: 409, params: [] },
  EXECUTION_FINISHED: { status: 409, params: ['id', 'status'] },
  EXECUTION_NOT_FINISHED: { status: 409, params: ['id', 'status'] },
  DUPLICATE_VALUE: { status: 409, params: [] },
  REFERENCED_RECORD: { status: 409, params: [] },
  // Auth.
  LOGIN_FAILED: { status: 401, params: [] },
  TOKEN_INVALID: { status: 401, params: [] },
  SCOPE_MISSING: { status: 403, params: ['scope'] },
  ROLE_REQUIRED: { status: 403, params: ['role'] },
  CSRF_INVALID: { status: 403, params: [] },
  PASSWORD_WRONG: { status: 400, params: [] },
  SELF_CHANGE_REFUSED: { status: 400, params: ['field'] },
  // Schedules and cron.
  CRON_INVALID_FIELD: { status: 400, params: ['field', 'value', 'range'] },
  CRON_INVALID: { status: 400, params: ['reason'] },
  CRON_NEVER_FIRES: { status: 400, params: ['cron'] },
  CRON_OR_INTERVAL: { status: 400, params: [] },
  INTERVAL_INVALID: { status: 400, params: [] },
  TIMEZONE_INVALID: { status: 400, params: ['timezone'] },
  STARTS_AFTER_ENDS: { status: 400, params: [] },
  // Limits.
  FANOUT_TOO_LARGE: { status: 400, params: ['param', 'count', 'max'] },
  SCHEDULES_PER_JOB_LIMIT: { status: 400, params: ['job', 'count', 'max'] },
  SCHEDULES_LIMIT: { status: 400, params: ['count', 'max'] },
  // Jobs.
  CHAIN_CYCLE: { status: 400, params: ['cycle'] },
  EXPIRES_IN_PAST: { status: 400, params: [] },
  PARAM_UNKNOWN: { status: 400, params: ['param', 'job'] },
  TEMPLATE_ERROR: { status: 400, params: ['field', 'reason'] },
  BODY_NOT_ALLOWED: { status: 400, params: ['method'] },
  COMMAND_JOBS_DISABLED: { status: 400, params: [] },
  // Field errors (inside `errors[]` of VALIDATION_FAILED; `field` is the path, e.g. executor.url).
  FIELD_REQUIRED: { status: 400, params: ['field'] },
  FIELD_NOT_ALLOWED: { status: 400, params: ['field'] },
  FIELD_WRONG_TYPE: { status: 400, params: ['field', 'type'] },
  FIELD_TOO_LONG: { status: 400, params: ['field', 'max'] },
  FIELD_TOO_SHORT: { status: 400, params: ['field', 'min'] },
  FIELD_TOO_SMALL: { status: 400, params: ['field', 'min'] },
  FIELD_TOO_LARGE: { status: 400, params: ['field', 'max'] },
  FIELD_NOT_IN_LIST: { status: 400, params: ['field', 'values'] },
  FIELD_BAD_FORMAT: { status: 400, params: ['field'] },
  FIELD_PATTERN: { status: 400, params: ['field', 'pattern'] },
  FIELD_INVALID: { status: 400, params: ['field', 'message'] },
} as const satisfies Record<string, { status: number; params: readonly string[] }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as ErrorCode[];

/**
 * Codes whose text is only a frame for the server's own detail (`params.message`): a client may
 * show the English `message` with them, since no more specific code was known.
 */
export const GENERIC_ERROR_CODES: readonly ErrorCode[] = ['BAD_REQUEST', 'FIELD_INVALID'];

export type ErrorParams = Record<string, string | number>;

/** One failed field of a VALIDATION_FAILED answer (in the same order as `message[]`). */
export interface ApiFieldError {
  /** Path of the field, e.g. `executor.url`, `params.day`; absent when the error is not about one field. */
  field?: string;
  code: ErrorCode;
  params: ErrorParams;
  /** The English text of this error (the matching item of `message[]`). */
  message: string;
}

/** The JSON body of every error answer. */
export interface ApiErrorBody {
  statusCode: number;
  code: ErrorCode;
  /** English, for people and for clients that predate codes: one string, or one per failed field. */
  message: string | string[];
  error?: string;
  params?: ErrorParams;
  errors?: ApiFieldError[];
}
