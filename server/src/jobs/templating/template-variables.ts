import {
  TEMPLATE_EXECUTION_FIELDS,
  TEMPLATE_PARENT_FIELDS,
  TEMPLATE_PUSH_FIELDS,
  TEMPLATE_TIME_NAMES,
} from '../../../../libs/contracts/src/jobs.js';
// (a relative path: the `@api-manager/contracts` alias is for types only and does not resolve at run time)

/** A variable as liquidjs' static analysis names it: property names, or nested segments (`a[b]`). */
export type Segments = (string | number | unknown[])[];

/** Where a template is: which top-level names it may read, and the param names it may read. */
export interface VariableScope {
  /** Top-level names besides the time names (params, parent, execution, push). */
  roots: ('params' | 'parent' | 'execution' | 'push' | 'needs')[];
  /** Declared params, for `params.X` (executor fields) and `parent.params.X` (chain steps). */
  params: readonly string[];
}

const TIME = new Set<string>(TEMPLATE_TIME_NAMES);
const PUSH = new Set<string>(TEMPLATE_PUSH_FIELDS);
const PARENT = new Set<string>(TEMPLATE_PARENT_FIELDS);
const EXECUTION = new Set<string>(TEMPLATE_EXECUTION_FIELDS);
const RESPONSE = new Set(['status', 'json', 'body']);

/** `a.b.c` (nested lookups as `[...]`). */
export function variableName(segments: Segments): string {
  return segments
    .map((s, i) => (Array.isArray(s) ? `[${variableName(s as Segments)}]` : i === 0 ? String(s) : `.${String(s)}`))
    .join('');
}

/**
 * Why a variable does not exist in `scope` (null when it may): an unknown top-level name, an
 * undeclared `params.X`, or an unknown field of `push`, `parent`, `parent.response` or `execution`.
 */
export function unknownVariable(segments: Segments, scope: VariableScope): string | null {
  const [root, first, second] = segments;
  const name = variableName(segments);
  if (typeof root !== 'string') return null;
  if (TIME.has(root)) return null;
  const known = [...scope.roots, ...TIME].join(', ');
  if (!(scope.roots as string[]).includes(root)) {
    return `unknown variable ${name} (known here: ${known})`;
  }
  if (typeof first !== 'string') return null; // params[x], push[0]…: not decidable before the run
  const declared = scope.params.length ? scope.params.join(', ') : 'none';
  switch (root) {
    case 'params':
      return scope.params.includes(first)
        ? null
        : `unknown variable ${name}: the job declares no param ${first} (params: ${declared})`;
    case 'push':
      return PUSH.has(first) ? null : `unknown variable ${name} (push has ${TEMPLATE_PUSH_FIELDS.join(', ')})`;
    case 'execution':
      return EXECUTION.has(first)
        ? null
        : `unknown variable ${name} (execution has ${TEMPLATE_EXECUTION_FIELDS.join(', ')})`;
    case 'parent':
      if (!PARENT.has(first)) return `unknown variable ${name} (parent has ${TEMPLATE_PARENT_FIELDS.join(', ')})`;
      if (first === 'params' && typeof second === 'string' && !scope.params.includes(second)) {
        return `unknown variable ${name}: the job declares no param ${second} (params: ${declared})`;
      }
      if (first === 'response' && typeof second === 'string' && !RESPONSE.has(second)) {
        return `unknown variable ${name} (parent.response has status, json, body)`;
      }
      return null;
    default:
      return null;
  }
}
