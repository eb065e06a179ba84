import { BadRequestException, ValidationPipe } from '@nestjs/common';
import type { ConfigChange, ConfigObjectKind } from '@api-manager/contracts';
import { atPath } from './config-file.js';

/** One object of the plan: what the file wants (`desired`) and what is stored (`current`). */
export interface Step<D, C> {
  change: ConfigChange;
  desired?: D;
  current?: C;
}

/** The same pipe (and so the same messages) as the REST endpoints use. */
const pipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
});

/** Validate with a REST DTO class; the messages go to `errors`, prefixed with the file path. */
export async function validateDto<T extends object>(
  metatype: new () => T,
  value: Record<string, unknown>,
  path: string,
  errors: string[],
): Promise<T | null> {
  try {
    return (await pipe.transform(value, { type: 'body', metatype })) as T;
  } catch (err) {
    if (!(err instanceof BadRequestException)) throw err;
    const body = err.getResponse() as { message?: string | string[] };
    const messages = Array.isArray(body.message) ? body.message : [String(body.message ?? err.message)];
    messages.forEach((m) => errors.push(atPath(path, m)));
    return null;
  }
}

/** create (nothing stored), update (fields differ) or unchanged. */
export function change(
  kind: ConfigObjectKind,
  name: string,
  path: string,
  stored: boolean,
  fields: string[] = [],
): ConfigChange {
  const action = !stored ? 'create' : fields.length ? 'update' : 'unchanged';
  return { kind, name, action, ...(action === 'update' ? { fields } : {}), path };
}

export function deletion(kind: ConfigObjectKind, name: string): ConfigChange {
  return { kind, name, action: 'delete' };
}
