import type { HttpMethod, ParamType } from '@api-manager/contracts';

/** Names, methods and param types a job definition may use (shared by the job DTOs). */
export const JOB_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const HTTP_METHODS: HttpMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
export const PARAM_TYPES: ParamType[] = [
  'string',
  'number',
  'boolean',
  'date',
  'datetime',
  'enum',
  'string[]',
  'daterange',
];
export const NAME_MESSAGE =
  '$property must be a slug: lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, at most 100 characters';
export const upper = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value);
