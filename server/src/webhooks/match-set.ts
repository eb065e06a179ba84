import { createHash } from 'node:crypto';
import type { WebhookJobMatch, WebhookTriggerResult } from '@api-manager/contracts';

/**
 * The compact stored explanation of a delivery (`webhook_deliveries.matches`).
 *
 * Most jobs of a push match nothing, and their explanation is one line that only depends on the job
 * (`none of N changed files match watchFiles [...]`). Stored per delivery that was ~260 bytes per job
 * (26 kB for 100 jobs, compressed by Postgres on every INSERT). Now the job-dependent part is stored
 * ONCE per set of job definitions (`webhook_match_sets`: id, name and trigger-0 watchFiles of every
 * job the matcher was compiled from, keyed by a hash of that content, so every replica writes the
 * same row), and a delivery keeps a reference to it plus, per job, a code:
 *
 * - `0`: the job's `none of <files> changed files match watchFiles <set's watchFiles>`;
 * - `k` ≥ 1: `reasons[k - 1]` (other plain reasons, each text stored once per delivery);
 * - `null`: the full match is in `rows` (matched jobs, exclusions, several triggers, refusals).
 *
 * Reading restores exactly the list that was written (`unpackMatches`). Rows written before are a
 * plain array of `RowMatch`es and are read as before.
 */

/** A job of a match set: id, name, JSON of its trigger 0's watchFiles (null: no trigger 0). */
export type MatchSetJob = [id: string, name: string, watchFiles: string | null];

export interface MatchSet {
  id: string;
  jobs: MatchSetJob[];
}

export interface PackedMatches {
  v: 2;
  set: string;
  files: number;
  plain: (number | null)[];
  reasons: string[];
  rows: [index: number, match: RowMatch][];
}

export function matchSetOf(jobs: MatchSetJob[]): MatchSet {
  const id = createHash('sha256').update(JSON.stringify(jobs)).digest('base64url').slice(0, 32);
  return { id, jobs };
}

export function noMatchReason(files: number, watchFilesJson: string): string {
  return `none of ${files} changed files match watchFiles ${watchFilesJson}`;
}

/** The stored form: packed against `set` when there is one, else the plain list (`toRowMatch`). */
export function packMatches(
  stored: WebhookJobMatch[],
  set: MatchSet | null | undefined,
  files: number,
): PackedMatches | RowMatch[] {
  if (!set) return stored.map(toRowMatch);
  const plain: (number | null)[] = [];
  const reasons: string[] = [];
  const reasonIndex = new Map<string, number>();
  const rows: [number, RowMatch][] = [];
  stored.forEach((m, i) => {
    const row = toRowMatch(m);
    const job = set.jobs[i];
    if (row.triggers || m.error !== undefined || !job || job[0] !== m.jobId || job[1] !== m.jobName) {
      plain.push(null);
      rows.push([i, row]);
      return;
    }
    if (job[2] !== null && m.reason === noMatchReason(files, job[2])) {
      plain.push(0);
      return;
    }
    let k = reasonIndex.get(m.reason);
    if (k === undefined) {
      reasons.push(m.reason);
      k = reasons.length;
      reasonIndex.set(m.reason, k);
    }
    plain.push(k);
  });
  return { v: 2, set: set.id, files, plain, reasons, rows };
}

export function isPacked(v: unknown): v is PackedMatches {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && (v as { v?: unknown }).v === 2;
}

/** The stored explanation as written (`setJobs`: the referenced set's jobs, for a packed one). */
export function unpackMatches(stored: unknown, setJobs: MatchSetJob[] | null): WebhookJobMatch[] {
  if (!isPacked(stored)) return (stored as RowMatch[]).map(fromRowMatch);
  const full = new Map(stored.rows);
  return stored.plain.map((code, i) => {
    const row = full.get(i);
    if (code === null || row) return fromRowMatch(row!);
    const job = setJobs?.[i];
    const [jobId, jobName, watchFiles] = job ?? ['', '(job definitions of this delivery are missing)', null];
    const reason =
      code === 0 ? noMatchReason(stored.files, watchFiles ?? 'null') : (stored.reasons[code - 1] ?? 'unknown');
    return fromRowMatch({ jobId, jobName, matched: false, reason });
  });
}

/** A match as `webhook_deliveries.matches` keeps it. */
export type RowMatch = Omit<WebhookJobMatch, 'triggers'> & { triggers?: WebhookTriggerResult[] };

/**
 * The stored form of a match. Most jobs of a push match nothing, and their one trigger only repeats
 * the job's reason: those are kept as the reason alone (`fromRowMatch` restores the trigger), which
 * keeps a delivery against 100 jobs at a few kB instead of tens.
 */
export function toRowMatch(m: WebhookJobMatch): RowMatch {
  const [t, ...more] = m.triggers;
  const plain =
    !m.matched &&
    t !== undefined &&
    more.length === 0 &&
    t.trigger === 0 &&
    !t.matched &&
    t.reason === m.reason &&
    t.matchedFileCount === 0 &&
    t.matchedFiles.length === 0 &&
    t.excludedFiles.length === 0;
  if (!plain) return m;
  const { triggers: _omit, ...rest } = m;
  return rest;
}

export function fromRowMatch(m: RowMatch): WebhookJobMatch {
  if (m.triggers) return m as WebhookJobMatch;
  const trigger = {
    trigger: 0,
    matched: false,
    reason: m.reason,
    matchedFiles: [],
    matchedFileCount: 0,
    excludedFiles: [],
  };
  return { ...m, triggers: [trigger] };
}
