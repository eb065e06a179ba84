import type { NextFunction, Request, Response } from 'express';
import { LIMITS } from './limits.js';

/**
 * The first object in `v` with more than LIMITS.jsonObjectKeysMax keys, or array with more than `maxItems` items,
 * with its path (`executor.headers`, `params.ids`).
 */
function tooWide(v: unknown, maxItems: number): string | null {
  const stack: Array<[unknown, string]> = [[v, '']];
  while (stack.length) {
    const [x, path] = stack.pop()!;
    if (x === null || typeof x !== 'object') continue;
    if (Array.isArray(x)) {
      if (x.length > maxItems) return `${path.slice(1) || 'body'} has ${x.length} items: at most ${maxItems} per list`;
      for (let i = 0; i < x.length; i++)
        if (x[i] !== null && typeof x[i] === 'object') stack.push([x[i], `${path}.${i}`]);
      continue;
    }
    const keys = Object.keys(x);
    if (keys.length > LIMITS.jsonObjectKeysMax) {
      return `${path.slice(1) || 'body'} has ${keys.length} keys: at most ${LIMITS.jsonObjectKeysMax} per object`;
    }
    for (const k of keys) {
      const child = (x as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object') stack.push([child, `${path}.${k}`]);
    }
  }
  return null;
}

/**
 * Refuses a JSON body holding an object with more than LIMITS.jsonObjectKeysMax keys, or a list longer than
 * `maxItems` (FANOUT_MAX, at least LIMITS.paramListMaxItems), before validation: class-transformer
 * (ValidationPipe's transform) de-duplicates an object's keys in quadratic time (50,000 headers held the event
 * loop for 18 s) and copies every list item. One linear walk here; the 400 names the field.
 */
export function rejectWideJson(fanOutMax: number) {
  const maxItems = Math.max(fanOutMax, LIMITS.paramListMaxItems);
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = Buffer.isBuffer(req.body) ? undefined : (req.body as unknown);
    const wide = tooWide(body, maxItems);
    if (wide) {
      res.status(400).json({ statusCode: 400, message: [wide], error: 'Bad Request' });
      return;
    }
    next();
  };
}
