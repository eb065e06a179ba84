/** `$.a.b`, `a.b`, `$.a[0].b`, `$` → the steps (names and indexes). The DTO's JSON_PATH checked the shape. */
export function pathSteps(path: string): (string | number)[] {
  const body = path.replace(/^\$\.?/, '');
  const steps: (string | number)[] = [];
  for (const m of body.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) steps.push(Number(m[2]));
    else steps.push(m[1]);
  }
  return steps;
}

export type Extracted = { items: string[] } | { error: string };

/**
 * The list at `path` in `doc`, as strings: each item a string, number or boolean, or (with `itemField`)
 * an object whose field is one. Anything else is an error naming where it went wrong.
 */
export function extractList(doc: unknown, path: string, itemField?: string): Extracted {
  let at: unknown = doc;
  let where = '$';
  for (const step of pathSteps(path)) {
    if (typeof step === 'number') {
      if (!Array.isArray(at) || step >= at.length) return { error: `${path}: ${where}[${step}] is missing` };
      at = at[step];
      where += `[${step}]`;
    } else {
      if (!at || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, step)) {
        return { error: `${path}: ${where}.${step} is missing` };
      }
      at = (at as Record<string, unknown>)[step];
      where += `.${step}`;
    }
  }
  if (!Array.isArray(at)) {
    const kind = at === null ? 'null' : typeof at === 'object' ? 'an object' : `a ${typeof at}`;
    return { error: `${path} is ${kind}, not a list` };
  }
  const items: string[] = [];
  for (let i = 0; i < at.length; i++) {
    let v: unknown = at[i];
    if (itemField !== undefined) {
      if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, itemField)) {
        return { error: `${path}[${i}] has no field ${itemField}` };
      }
      v = (v as Record<string, unknown>)[itemField];
    }
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') items.push(String(v));
    else {
      const kind = v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v;
      return {
        error: `${path}[${i}]${itemField !== undefined ? `.${itemField}` : ''} is ${kind}: items must be strings or numbers${itemField === undefined && kind === 'an object' ? ' (set itemField)' : ''}`,
      };
    }
  }
  return { items };
}
