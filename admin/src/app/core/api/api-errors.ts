import { HttpErrorResponse } from '@angular/common/http';
import type { ApiFieldError, ApiErrorBody as ContractErrorBody } from '@api-manager/contracts';

/** The API's error answer, as sent by Nest (`message` is one string or one per failed field) + `code`. */
export type ApiErrorBody = Partial<ContractErrorBody>;

/** key + params -> the text in the UI language, or null when there is no text for the key. */
export type ErrorTranslator = (key: string, params: Record<string, unknown>) => string | null;

let translator: ErrorTranslator | null = null;

/** Set once by the LanguageService: how error codes become text in the UI language. */
export function setErrorTranslator(fn: ErrorTranslator): void {
  translator = fn;
}

/** The text of a code in the UI language (`errors.<CODE>` with its params), null for an unknown code. */
export function translateErrorCode(code: unknown, params: Record<string, unknown> = {}): string | null {
  if (typeof code !== 'string' || !/^[A-Z_]+$/.test(code) || !translator) return null;
  if (code === 'CRON_INVALID_FIELD' && typeof params['field'] === 'string') {
    // day-of-month -> 日 (cronText.field.*), so the whole sentence is in the UI language.
    params = { ...params, field: translator(`cronText.field.${params['field']}`, {}) ?? params['field'] };
  }
  return translator(`errors.${code}`, params);
}

function bodyOf(error: HttpErrorResponse): ApiErrorBody {
  return (typeof error.error === 'object' && error.error !== null ? error.error : {}) as ApiErrorBody;
}

/**
 * The error in the UI language: a known `code` is translated with its params; a list of field
 * errors is each translated; an unknown code (or none) keeps the server's English message.
 */
export function translatedApiError(error: HttpErrorResponse): string[] | null {
  const body = bodyOf(error);
  if (body.errors?.length) {
    return body.errors.map((e) => fieldText(e));
  }
  const text = translateErrorCode(body.code, { ...(body.params ?? {}), message: messageText(body) });
  return text === null ? null : [text];
}

function messageText(body: ApiErrorBody): string {
  return Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? '');
}

function fieldText(e: ApiFieldError): string {
  return translateErrorCode(e.code, { field: e.field ?? '', ...e.params, message: e.message }) ?? e.message;
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
  const body = bodyOf(error);
  if (body.errors?.length) {
    // Coded field errors: each translated, placed under its field.
    const fields: Record<string, string[]> = {};
    const all = body.errors.map((e) => {
      const text = fieldText(e);
      const path = e.field ?? pathOf(e.message);
      if (path) (fields[path.replace(/\[(\w+)\]/g, '.$1')] ??= []).push(text);
      return text;
    });
    return { status: error.status, all, fields };
  }
  const translated = translatedApiError(error);
  const raw = body.message ?? (typeof error.error === 'string' && error.error ? error.error : error.message);
  const english = Array.isArray(raw) ? raw.map(String) : [String(raw)];
  const all = translated ?? english;
  const fields: Record<string, string[]> = {};
  for (const message of english) {
    const path = pathOf(message);
    if (path) {
      const key = path.replace(/\[(\w+)\]/g, '.$1');
      (fields[key] ??= []).push(translated?.length === 1 ? translated[0] : message);
    }
  }
  return { status: error.status, all, fields };
}

function pathOf(message: string): string | undefined {
  return /^([A-Za-z_$][\w$]*(?:(?:\.|\[)[\w$-]+\]?)*)\s/.exec(message)?.[1];
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
