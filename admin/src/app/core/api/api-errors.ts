import { HttpErrorResponse } from '@angular/common/http';

/** The API's error answer, as sent by Nest (`message` is one string or one per failed field). */
export interface ApiErrorBody {
  statusCode?: number;
  message?: string | string[];
  error?: string;
}

/**
 * Field errors of a 400: each message starts with the field's path (`executor.url must be…`,
 * `params.0.name …`, `params.day must be a date`). `fields` maps a path to its messages;
 * `all` keeps every message in order, for a summary.
 */
export interface FieldErrors {
  status: number;
  all: string[];
  fields: Record<string, string[]>;
}

export function apiErrors(error: unknown): FieldErrors {
  if (!(error instanceof HttpErrorResponse)) {
    return { status: 0, all: [String(error)], fields: {} };
  }
  const body = (typeof error.error === 'object' && error.error !== null ? error.error : {}) as ApiErrorBody;
  const raw = body.message ?? (typeof error.error === 'string' && error.error ? error.error : error.message);
  const all = Array.isArray(raw) ? raw.map(String) : [String(raw)];
  const fields: Record<string, string[]> = {};
  for (const message of all) {
    const path = /^([A-Za-z_$][\w$]*(?:(?:\.|\[)[\w$-]+\]?)*)\s/.exec(message)?.[1];
    if (path) {
      const key = path.replace(/\[(\w+)\]/g, '.$1');
      (fields[key] ??= []).push(message);
    }
  }
  return { status: error.status, all, fields };
}

/** Messages for a field and everything under it (`executor.headers` also gets `executor.headers.X`). */
export function errorsUnder(errors: FieldErrors | null, path: string): string[] {
  if (!errors) {
    return [];
  }
  return Object.entries(errors.fields)
    .filter(([key]) => key === path || key.startsWith(`${path}.`))
    .flatMap(([, messages]) => messages);
}
