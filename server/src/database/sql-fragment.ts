/**
 * A piece of SQL with its own parameters, numbered from `$1`. Modules that write parts of one
 * statement (e.g. a webhook delivery and its runs, one round trip) each build their fragment from
 * typed inputs; `compose` joins them and renumbers the parameters, so no module counts another's.
 */
export interface SqlFragment {
  text: string;
  values: unknown[];
}

/** A CTE name one fragment may refer to in another (checked: a plain SQL identifier). */
export type CteName = string & { readonly __cte: unique symbol };

export function cteName(name: string): CteName {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a CTE name: ${name}`);
  return name as CteName;
}

/**
 * One statement from fragments: each fragment's `$n` become `$(n + values before it)`, then
 * `join(texts)` assembles the statement. Fragment texts are ours (no `$n` inside string literals).
 */
export function compose(parts: SqlFragment[], join: (texts: string[]) => string): SqlFragment {
  const values: unknown[] = [];
  const texts = parts.map((p) => {
    const offset = values.length;
    values.push(...p.values);
    return p.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  return { text: join(texts), values };
}
