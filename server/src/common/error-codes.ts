import { HttpException, HttpStatus } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import {
  ERROR_CODES,
  type ApiErrorBody,
  type ApiFieldError,
  type ErrorCode,
  type ErrorParams,
} from '../../../libs/contracts/src/error-codes.js';

/**
 * Stable error codes on every error answer (libs/contracts/src/error-codes.ts is the list).
 *
 * Three ways a code gets into a body, all applied by the global filter (`toErrorBody`):
 *  1. `throw new CodedException('JOB_NOT_FOUND', 'Job "x" not found', { job: 'x' })` names it;
 *  2. the ValidationPipe's `validationException` turns class-validator constraints into field codes;
 *  3. any other HttpException's message(s) are read against MESSAGE_CODES below (the English texts the
 *     services already throw), else the status's generic code (BAD_REQUEST, NOT_FOUND, ...).
 * The English `message` (string or list) stays as it was, so existing API clients keep working.
 */
export class CodedException extends HttpException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly params: ErrorParams = {},
    status: number = ERROR_CODES[code].status,
  ) {
    super({ statusCode: status, message, code, params }, status);
  }
}

type Pattern = [RegExp, ErrorCode, ...string[]];

/** English messages the services throw -> code + params (capture groups, in order). First match wins. */
const MESSAGE_CODES: Pattern[] = [
  [/^Job "?(.+?)"? not found$/, 'JOB_NOT_FOUND', 'job'],
  [/^names: no such jobs?: (.+)$/, 'JOB_NOT_FOUND', 'job'],
  [/^Schedule (\S+) not found$/, 'SCHEDULE_NOT_FOUND', 'id'],
  [/^Execution (\S+) not found$/, 'EXECUTION_NOT_FOUND', 'id'],
  [/^User (\S+) not found$/, 'USER_NOT_FOUND', 'id'],
  [/^Token (\S+) not found$/, 'TOKEN_NOT_FOUND', 'id'],
  [/^Delivery (\S+) not found$/, 'DELIVERY_NOT_FOUND', 'id'],
  [/^Webhook source (\S+) not found$/, 'WEBHOOK_SOURCE_NOT_FOUND', 'id'],
  [/^Notification channel (\S+) not found$/, 'CHANNEL_NOT_FOUND', 'id'],
  [/^A job named (\S+) already exists$/, 'JOB_NAME_TAKEN', 'name'],
  [/^Job "(.+)" is disabled/, 'JOB_DISABLED', 'job'],
  [
    /^Job (\S+) was changed meanwhile \(version (\d+), not (\d+)\)$/,
    'JOB_CHANGED_MEANWHILE',
    'job',
    'current',
    'given',
  ],
  [/^Job (\S+) cannot be (?:deleted|renamed): chains of (.+) refer to it$/, 'JOB_REFERENCED', 'job', 'referrers'],
  [/^username "(.+)" is already taken$/, 'USERNAME_TAKEN', 'username'],
  [/^Cannot \w+ the last active admin$/, 'LAST_ADMIN'],
  [/^Execution (\S+) already finished \((\w+)\)$/, 'EXECUTION_FINISHED', 'id', 'status'],
  [/^Execution (\S+) is still (\w+):/, 'EXECUTION_NOT_FINISHED', 'id', 'status'],
  [/^A record with the same unique value already exists/, 'DUPLICATE_VALUE'],
  [/^The record refers to, or is referred to by, another record/, 'REFERENCED_RECORD'],
  [/^Invalid username or password$/, 'LOGIN_FAILED'],
  [/^Invalid, expired or revoked API token$/, 'TOKEN_INVALID'],
  [/^Authentication required$/, 'UNAUTHENTICATED'],
  [/^Token lacks scope (\w+)$/, 'SCOPE_MISSING', 'scope'],
  [/^Requires role (\w+)$/, 'ROLE_REQUIRED', 'role'],
  [/^Missing or invalid CSRF token/, 'CSRF_INVALID'],
  [/^currentPassword is wrong$/, 'PASSWORD_WRONG'],
  [/^(disabled|role|id): you cannot (?:disable|demote|delete) your own account/, 'SELF_CHANGE_REFUSED', 'field'],
  [/^Too many login attempts/, 'RATE_LIMITED'],
  [/^Invalid JSON payload$/, 'INVALID_JSON'],
  [/^Payload too large$/, 'PAYLOAD_TOO_LARGE'],
  [/^(\w+) must be a UUID$/, 'INVALID_ID', 'field'],
  [/^cursor (?:is not valid|is invalid|must be a value of nextCursor)/, 'INVALID_CURSOR'],
  [
    /^invalid cron "[^"]*": ([\w-]+) (?:step )?"?([^" ]+)"? is out of range (\S+)/,
    'CRON_INVALID_FIELD',
    'field',
    'value',
    'range',
  ],
  [/^invalid cron "[^"]*": (.+)$/, 'CRON_INVALID', 'reason'],
  [/^cron "(.+)" never fires$/, 'CRON_NEVER_FIRES', 'cron'],
  [/^(?:cron must|cron alias)(.*)$/, 'CRON_INVALID', 'reason'],
  [
    /^(?:Give exactly one of cron or interval|Give either cron or intervalSeconds|exactly one of cron or intervalSeconds)/,
    'CRON_OR_INTERVAL',
  ],
  [/^(?:interval must be seconds|intervalSeconds must be an integer)/, 'INTERVAL_INVALID'],
  [/^timezone "(.+)" is not an IANA time zone/, 'TIMEZONE_INVALID', 'timezone'],
  [/^startsAt must be before endsAt$/, 'STARTS_AFTER_ENDS'],
  [/^params\.(\S+) has (\d+) items: a run fans out to at most (\d+)/, 'FANOUT_TOO_LARGE', 'param', 'count', 'max'],
  [/^job (\S+) already has (\d+) schedules: at most (\d+) per job$/, 'SCHEDULES_PER_JOB_LIMIT', 'job', 'count', 'max'],
  [/^there are already (\d+) schedules: at most (\d+)$/, 'SCHEDULES_LIMIT', 'count', 'max'],
  [/^onSuccess\/onFailure would form a cycle: (.+)$/, 'CHAIN_CYCLE', 'cycle'],
  [/^expiresAt must be in the future$/, 'EXPIRES_IN_PAST'],
  [/^executor\.kind command is disabled on this server/, 'COMMAND_JOBS_DISABLED'],
  [/^params\.(\S+) is not a parameter of job (\S+)$/, 'PARAM_UNKNOWN', 'param', 'job'],
  [/^(\S+) has a template error: (.+)$/, 'TEMPLATE_ERROR', 'field', 'reason'],
  [/^executor\.body is not allowed with method (\w+)$/, 'BODY_NOT_ALLOWED', 'method'],
  // Field messages of the job, params and schedule validators (`params.day must be a date (YYYY-MM-DD)`).
  [/^([\w.[\]-]+) is required$/, 'FIELD_REQUIRED', 'field'],
  [/^([\w.[\]-]+) must be at most (\d+) characters$/, 'FIELD_TOO_LONG', 'field', 'max'],
  [/^([\w.[\]-]+) must match (.+)$/, 'FIELD_PATTERN', 'field', 'pattern'],
  [
    /^([\w.[\]-]+) must be an? (string|number|integer|boolean|date|datetime|object|array)\b/,
    'FIELD_WRONG_TYPE',
    'field',
    'type',
  ],
];

const BY_STATUS: Partial<Record<number, ErrorCode>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** The generic code of an HTTP status. */
export function codeForStatus(status: number): ErrorCode {
  return BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST');
}

/** A leading field path (`executor.url must…`, `params.day: …`), as the admin reads it. */
const FIELD_PATH = /^([A-Za-z_$][\w$]*(?:(?:\.|\[)[\w$-]+\]?)*)[\s:]/;

/** Code + params of one English message, or null when no pattern knows it. */
export function classifyMessage(message: string): { code: ErrorCode; params: ErrorParams } | null {
  for (const [re, code, ...names] of MESSAGE_CODES) {
    const m = re.exec(message);
    if (m) {
      const params: ErrorParams = {};
      names.forEach((name, i) => {
        const v = m[i + 1];
        if (v !== undefined) params[name] = /^\d+$/.test(v) && name !== 'value' ? Number(v) : v;
      });
      return { code, params };
    }
  }
  return null;
}

function fieldError(message: string): ApiFieldError {
  const known = classifyMessage(message);
  const field = FIELD_PATH.exec(message)?.[1];
  if (known) return { ...(field ? { field } : {}), code: known.code, params: known.params, message };
  return {
    ...(field ? { field } : {}),
    code: 'FIELD_INVALID',
    params: { field: field ?? '', message },
    message,
  };
}

/**
 * The JSON body of an error answer: the exception's own body (every key kept: `message`, `error`,
 * `retryAfter`, the webhook's `status`...) plus `code` (+ `params`, and `errors` for a list).
 */
export function toErrorBody(status: number, response: string | object): ApiErrorBody {
  const base = (typeof response === 'string' ? { statusCode: status, message: response } : response) as Record<
    string,
    unknown
  > & { message?: unknown; code?: unknown };
  const body = { statusCode: status, ...base } as Record<string, unknown>;
  if (typeof base.code === 'string' && base.code in ERROR_CODES) return body as unknown as ApiErrorBody;
  const message = base.message;
  if (Array.isArray(message)) {
    const errors = message.map((m) => fieldError(String(m)));
    // One error with a specific code (a limit, a cron error) is that error; field errors are VALIDATION_FAILED.
    const single = errors.length === 1 && !errors[0].code.startsWith('FIELD_') ? errors[0] : null;
    return {
      ...body,
      code: single ? single.code : status === 400 ? 'VALIDATION_FAILED' : codeForStatus(status),
      ...(single ? { params: single.params } : {}),
      errors,
    } as ApiErrorBody;
  }
  const text = typeof message === 'string' ? message : '';
  const known = text ? classifyMessage(text) : null;
  if (known?.code === 'RATE_LIMITED' && typeof base.retryAfter === 'number') known.params.retryAfter = base.retryAfter;
  if (known) return { ...body, code: known.code, params: known.params } as ApiErrorBody;
  const code = codeForStatus(status);
  return { ...body, code, ...(code === 'BAD_REQUEST' && text ? { params: { message: text } } : {}) } as ApiErrorBody;
}

const TYPE_OF: Record<string, string> = {
  isString: 'string',
  isInt: 'integer',
  isNumber: 'number',
  isBoolean: 'boolean',
  isArray: 'array',
  isObject: 'object',
  isDate: 'date',
};

/** class-validator constraint -> field code + params (numbers read from its English message). */
function constraintCode(name: string, message: string, field: string): { code: ErrorCode; params: ErrorParams } {
  const lastNumber = () => Number(/(-?\d+(?:\.\d+)?)(?!.*\d)/.exec(message)?.[1] ?? NaN);
  if (name === 'isDefined' || name === 'isNotEmpty') return { code: 'FIELD_REQUIRED', params: { field } };
  if (name === 'whitelistValidation') return { code: 'FIELD_NOT_ALLOWED', params: { field } };
  if (TYPE_OF[name]) return { code: 'FIELD_WRONG_TYPE', params: { field, type: TYPE_OF[name] } };
  if (name === 'maxLength' || name === 'arrayMaxSize')
    return { code: 'FIELD_TOO_LONG', params: { field, max: lastNumber() } };
  if (name === 'minLength' || name === 'arrayMinSize' || name === 'arrayNotEmpty') {
    return { code: 'FIELD_TOO_SHORT', params: { field, min: name === 'arrayNotEmpty' ? 1 : lastNumber() } };
  }
  if (name === 'min') return { code: 'FIELD_TOO_SMALL', params: { field, min: lastNumber() } };
  if (name === 'max') return { code: 'FIELD_TOO_LARGE', params: { field, max: lastNumber() } };
  if (name === 'isEnum' || name === 'isIn') {
    return { code: 'FIELD_NOT_IN_LIST', params: { field, values: /values?: (.+)$/.exec(message)?.[1] ?? '' } };
  }
  if (/^(matches|is(Url|URL|UUID|ISO8601|DateString|Email|Timezone|TimeZone|Hexadecimal|Alphanumeric))/.test(name)) {
    return { code: 'FIELD_BAD_FORMAT', params: { field } };
  }
  const known = classifyMessage(message);
  return known ?? { code: 'FIELD_INVALID', params: { field, message } };
}

/** Flatten class-validator errors the way Nest does (`parent.child must…`), one coded entry each. */
export function flattenValidation(errors: ValidationError[], parent = ''): ApiFieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.entries(e.constraints ?? {}).map(([name, text]): ApiFieldError => {
      const message = parent ? `${parent}.${text}` : text;
      return { field, ...constraintCode(name, message, field), message };
    });
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

/** ValidationPipe's exceptionFactory: 400 VALIDATION_FAILED, `message` as Nest sends it, plus `errors`. */
export function validationException(errors: ValidationError[]): HttpException {
  const list = flattenValidation(errors);
  const body: ApiErrorBody = {
    statusCode: HttpStatus.BAD_REQUEST,
    message: list.map((e) => e.message),
    error: 'Bad Request',
    code: 'VALIDATION_FAILED',
    errors: list,
  };
  return new HttpException(body, HttpStatus.BAD_REQUEST);
}
