import pg from 'pg';
import { query } from './database.js';

/** A statement as a pg client sent it to Postgres. */
export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * Run `fn` and return the statements matching `match` that any pg client of this process sent
 * meanwhile (the server's pool included), unchanged: the text and the bound values. Recording only;
 * every call goes through to Postgres as usual. Used to EXPLAIN the exact SQL a service builds.
 */
export async function captureSql(match: RegExp, fn: () => Promise<unknown>): Promise<SentStatement[]> {
  const sent: SentStatement[] = [];
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    const [first, second] = args;
    const text = typeof first === 'string' ? first : (first as { text?: unknown } | null)?.text;
    const values = typeof first === 'string' ? second : ((first as { values?: unknown } | null)?.values ?? second);
    if (typeof text === 'string' && match.test(text)) {
      sent.push({ text, values: Array.isArray(values) ? (values as unknown[]) : [] });
    }
    return original.apply(this, args);
  };
  try {
    await fn();
  } finally {
    proto.query = original;
  }
  return sent;
}

/** A node of `EXPLAIN (ANALYZE, FORMAT JSON)` (the fields the plan tests read). */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Every node of a plan tree, the root first. */
export function planNodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(planNodes)];
}

/** EXPLAIN ANALYZE `sent` (its own text and values) on the database at `url`: the plan's nodes. */
export async function explainNodes(url: string, sent: SentStatement): Promise<PlanNode[]> {
  const rows = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
    url,
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sent.text}`,
    sent.values,
  );
  return planNodes(rows[0]!['QUERY PLAN'][0]!.Plan);
}
