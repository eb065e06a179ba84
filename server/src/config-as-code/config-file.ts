import { BadRequestException } from '@nestjs/common';
import { LineCounter, parseDocument } from 'yaml';

/** `${NAME}` references; `$${` is a literal `${`. */
const ENV_REF = /\$(\$)?\{([^}]*)\}/g;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type Lookup = (name: string) => string | undefined;

/** Parse jobs.yaml text into plain data; a syntax error is a 400 naming the line and column. */
export function parseConfigYaml(text: string): unknown {
  if (!text.trim()) throw new BadRequestException(['the file is empty']);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    throw new BadRequestException(
      doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return `YAML line ${pos.line}, column ${pos.col}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
    JSON.stringify(value); // an alias inside its own anchor makes a cycle: refuse it here, not deep in the planner
  } catch (err) {
    const reason = err instanceof TypeError ? 'an alias refers to the node that contains it' : (err as Error).message;
    throw new BadRequestException([`YAML: ${reason}`]);
  }
  return value;
}

/**
 * Replace `${NAME}` in every string of `value` with the variable's value (looked up through
 * config/Environment). Unknown or reserved variables add an error naming the file path.
 */
export function expandEnv(value: unknown, path: string, lookup: Lookup, errors: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REF, (whole, escaped: string | undefined, name: string) => {
      if (escaped) return whole.slice(1);
      if (!ENV_NAME.test(name)) {
        errors.push(`${path}: \${${name}} is not a valid environment variable reference`);
        return whole;
      }
      let v: string | undefined;
      try {
        v = lookup(name);
      } catch (err) {
        errors.push(`${path}: \${${name}}: ${(err as Error).message}`);
        return whole;
      }
      if (v === undefined) {
        errors.push(`${path}: environment variable ${name} is not set on the server`);
        return whole;
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${path}[${i}]`, lookup, errors));
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, expandEnv(v, joinPath(path, k), lookup, errors)]),
    );
  }
  return value;
}

/** Escape `${` in exported strings so that applying the export gives the same text back. */
export function escapeEnvRefs(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(/\$\{/g, '$$$${');
  if (Array.isArray(value)) return value.map(escapeEnvRefs);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeEnvRefs(v)]));
  return value;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function joinPath(base: string, key: string): string {
  const k = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key);
  return base ? `${base}.${k}` : k;
}

/**
 * Rewrite a service validation message (`params.0.default must be ...`, `executor.url has ...`) so
 * that it starts with the file path of the field: `jobs[3].params[0].default must be ...`.
 */
export function atPath(prefix: string, message: string): string {
  const whitelist = /^(?:([\w$.-]+)\.)?property (\S+) should not exist$/.exec(message);
  if (whitelist) {
    const inner = whitelist[1] ? toBrackets(whitelist[1]) + '.' : '';
    return `${prefix}.${inner}${whitelist[2]}: property ${whitelist[2]} should not exist`;
  }
  const m = /^([A-Za-z_$][\w$]*(?:\.[\w$-]+)*)([\s:].*)?$/s.exec(message);
  if (!m) return `${prefix}: ${message}`;
  return `${prefix}.${toBrackets(m[1]!)}${m[2] ?? ''}`;
}

/** `params.0.default` → `params[0].default`. */
function toBrackets(dotted: string): string {
  return dotted.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/** JSON with sorted keys: equal values give equal text whatever the key order (jsonb reorders keys). */
export function canonical(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'undefined';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .filter((k) => value[k] !== undefined)
        .sort()
        .map((k) => [k, sortKeys(value[k])]),
    );
  }
  return value;
}
