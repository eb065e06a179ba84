import { registerDecorator, type ValidationOptions } from 'class-validator';

/** True when `tz` is an IANA zone Node's ICU knows (e.g. `Asia/Tokyo`, `UTC`). */
export function isValidTimeZone(tz: unknown): tz is string {
  if (typeof tz !== 'string' || tz.length === 0) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function IsTimeZone(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isTimeZone',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must be an IANA time zone such as Asia/Tokyo', ...options },
      validator: { validate: (value: unknown) => isValidTimeZone(value) },
    });
}
