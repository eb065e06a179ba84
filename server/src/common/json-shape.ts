import type { Request, Response } from 'express';
import { LIMITS } from './limits.js';
import { MAX_JSON_DEPTH } from './request-guards.js';

/**
 * A body-parser `verify` hook (one scan of the bytes, also for the nesting depth of request-guards.ts): refuses a JSON body holding an object with more than LIMITS.jsonObjectKeysMax
 * keys, or a list longer than `maxItems` (FANOUT_MAX, at least LIMITS.paramListMaxItems), by scanning the
 * bytes before they are parsed. Parsing, the NUL check and class-transformer (ValidationPipe's transform,
 * which de-duplicates an object's keys in quadratic time: 50,000 headers held the event loop for 18 s) all
 * cost more than this one linear scan. The 400 names the field (`executor.headers`, `params.ids`).
 */
export function verifyJsonWidth(fanOutMax: number) {
  const maxItems = Math.max(fanOutMax, LIMITS.paramListMaxItems);
  return (_req: Request, _res: Response, buf: Buffer): void => {
    const error = widthError(buf, maxItems);
    if (error) throw Object.assign(new Error(error), { status: 400, type: 'entity.verify.failed' });
  };
}

interface Frame {
  object: boolean;
  /** Commas seen directly inside (items = commas + 1 once a value was seen). */
  commas: number;
  hasValue: boolean;
  key: string;
}

export function widthError(buf: Buffer, maxItems: number): string | null {
  const stack: Frame[] = [];
  let inString = false;
  let stringStart = 0;
  let lastString = '';
  const where = () =>
    stack
      .slice(0, -1)
      .map((f) => (f.object ? f.key : String(f.commas)))
      .join('.') || 'body';
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) {
        inString = false;
        // keys are short: keep at most 100 bytes of a string for the error's path
        lastString = buf.toString('utf8', stringStart, Math.min(i, stringStart + 100));
      }
      continue;
    }
    const top = stack[stack.length - 1];
    if (c === 0x22) {
      inString = true;
      stringStart = i + 1;
      if (top) top.hasValue = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (top) top.hasValue = true;
      if (stack.length >= MAX_JSON_DEPTH) return `JSON is nested deeper than ${MAX_JSON_DEPTH} levels`;
      stack.push({ object: c === 0x7b, commas: 0, hasValue: false, key: '' });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x3a) {
      if (top?.object) top.key = lastString;
    } else if (c === 0x2c) {
      if (!top) continue;
      top.commas++;
      const items = top.commas + 1;
      if (top.object && items > LIMITS.jsonObjectKeysMax) {
        return `${where()} has more than ${LIMITS.jsonObjectKeysMax} keys: at most ${LIMITS.jsonObjectKeysMax} per object`;
      }
      if (!top.object && items > maxItems) {
        return `${where()} has more than ${maxItems} items: at most ${maxItems} per list`;
      }
    } else if (top && c > 0x20) top.hasValue = true;
  }
  return null;
}
