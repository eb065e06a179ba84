import { registerDecorator, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { successStatusError } from '../render/success-statuses.js';
import { staticOrigin } from '../render/url-guard.js';
import { LIMITS } from '../../common/limits.js';
import { safeRegExpError } from '../../common/safe-regex.js';

function decorator(
  name: string,
  check: (value: unknown) => string | null,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    const reasons = new WeakMap<object, string>();
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: (args: ValidationArguments) => `${args.property}${reasons.get(args.object) ?? ' is invalid'}`,
        ...options,
      },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const reason = check(value);
          if (reason !== null) reasons.set(args.object, reason);
          return reason === null;
        },
      },
    });
  };
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;
const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** An absolute http(s) URL whose scheme, host and port are static (templates only after them). */
export function IsUrlTemplate(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isUrlTemplate',
    (value) => {
      if (typeof value !== 'string' || value.length === 0) return ' must be a URL';
      if (value.length > 4000) return ' must be at most 4000 characters';
      try {
        staticOrigin(value);
        return null;
      } catch (err) {
        return ` ${(err as Error).message}`;
      }
    },
    options,
  );
}

/** `{ name: 'template' | {secret: true, value?: string} }` with valid header names. */
export function IsHeaderMap(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isHeaderMap',
    (value) => {
      if (!isPlainObject(value)) return ' must be an object of header names to values';
      const n = Object.keys(value).length;
      if (n > LIMITS.httpHeadersMax) return ` must have at most ${LIMITS.httpHeadersMax} headers (${n} given)`;
      for (const [k, v] of Object.entries(value)) {
        if (!HEADER_NAME.test(k)) return `.${k} is not a valid header name`;
        if (typeof v === 'string') {
          if (v.length > 8000) return `.${k} must be at most 8000 characters`;
          continue;
        }
        if (!isPlainObject(v) || v.secret !== true) return `.${k} must be a string or {"secret": true, "value": "..."}`;
        const extra = Object.keys(v).filter((key) => key !== 'secret' && key !== 'value');
        if (extra.length) return `.${k}.${extra[0]} should not exist`;
        if (v.value !== undefined && typeof v.value !== 'string') return `.${k}.value must be a string`;
      }
      return null;
    },
    options,
  );
}

/** `{ key: 'template' | ['template', ...] }` */
export function IsQueryMap(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isQueryMap',
    (value) => {
      if (!isPlainObject(value)) return ' must be an object of query names to values';
      let n = 0;
      for (const [k, v] of Object.entries(value)) {
        n += Array.isArray(v) ? v.length : 1;
        if (n > LIMITS.httpQueryValuesMax) return ` must have at most ${LIMITS.httpQueryValuesMax} values`;
        if (typeof v === 'string') {
          if (v.length > 8000) return `.${k} must be at most 8000 characters`;
          continue;
        }
        if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length <= 8000)) continue;
        return `.${k} must be a string or a list of strings (each at most 8000 characters)`;
      }
      return null;
    },
    options,
  );
}

export function IsSuccessStatusList(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isSuccessStatusList',
    (value) => {
      if (!Array.isArray(value) || value.length === 0) return ' must be a non-empty list';
      for (let i = 0; i < value.length; i++) {
        const err = successStatusError(value[i]);
        if (err) return `.${i} ${err}`;
      }
      return null;
    },
    options,
  );
}

export function IsRegExpSource(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isRegExpSource',
    (value) => {
      if (typeof value !== 'string') return ' must be a string';
      if (value.length > LIMITS.paramPatternMaxLength) {
        return ` must be at most ${LIMITS.paramPatternMaxLength} characters`;
      }
      const error = safeRegExpError(value);
      return error === null ? null : ` must be a valid regular expression (RE2 syntax: ${error})`;
    },
    options,
  );
}

/** A JSON object (mapping of names to values). */
export function IsJsonObject(options?: ValidationOptions): PropertyDecorator {
  return decorator('isJsonObject', (value) => (isPlainObject(value) ? null : ' must be an object'), options);
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** `{ NAME: 'template' | {secret: true, value?: string} }` with valid environment variable names. */
export function IsEnvMap(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isEnvMap',
    (value) => {
      if (!isPlainObject(value)) return ' must be an object of variable names to values';
      if (Object.keys(value).length > LIMITS.commandEnvMax) {
        return ` must have at most ${LIMITS.commandEnvMax} variables`;
      }
      for (const [k, v] of Object.entries(value)) {
        if (!ENV_NAME.test(k)) return `.${k} is not a valid environment variable name (letters, digits, _)`;
        if (typeof v === 'string') {
          if (v.length > 32000) return `.${k} must be at most 32000 characters`;
          if (v.includes('\0')) return `.${k} must not contain NUL`;
          continue;
        }
        const err = secretInputError(v);
        if (err) return `.${k}${err}`;
      }
      return null;
    },
    options,
  );
}

/** `{secret: true, value?: string}` (or null). */
export function IsSecretInput(options?: ValidationOptions): PropertyDecorator {
  return decorator('isSecretInput', (value) => (value === null ? null : secretInputError(value)), options);
}

function secretInputError(v: unknown): string | null {
  if (!isPlainObject(v) || v.secret !== true) return ' must be a string or {"secret": true, "value": "..."}';
  const extra = Object.keys(v).filter((key) => key !== 'secret' && key !== 'value');
  if (extra.length) return `.${extra[0]} should not exist`;
  if (v.value !== undefined && typeof v.value !== 'string') return '.value must be a string';
  return null;
}
