import type { JobNeeds } from '@api-manager/contracts';

/** A job as the dependency rules see it (a stored row, or a definition being saved). */
export interface DependencyJob {
  name: string;
  onSuccess?: { job?: unknown }[] | null;
  onFailure?: { job?: unknown }[] | null;
  needs?: Partial<JobNeeds> | Record<string, unknown> | null;
  params?: { name?: unknown; secret?: unknown }[] | null;
}

/** The jobs a job's fan-in waits for ([] without `needs`). */
export function neededJobs(job: Pick<DependencyJob, 'needs'>): string[] {
  const jobs = (job.needs as { jobs?: unknown } | null | undefined)?.jobs;
  return Array.isArray(jobs) ? jobs.map(String) : [];
}

/**
 * Dependency edges, name → names that run after it: chain steps (onSuccess/onFailure) and, for every
 * fan-in, each needed job → the fan-in job. A cycle here (chains and needs mixed) is refused at save.
 */
export function dependencyGraph(jobs: Iterable<DependencyJob>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const add = (from: string, to: string) => graph.set(from, [...(graph.get(from) ?? []), to]);
  const list = [...jobs];
  for (const j of list) {
    if (!graph.has(j.name)) graph.set(j.name, []);
    for (const s of [...(j.onSuccess ?? []), ...(j.onFailure ?? [])]) add(j.name, String(s.job));
  }
  for (const j of list) for (const needed of neededJobs(j)) add(needed, j.name);
  return graph;
}

const paramNames = (job: DependencyJob) => (job.params ?? []).map((p) => String(p.name));
const secretNames = (job: DependencyJob) =>
  (job.params ?? []).filter((p) => p.secret === true).map((p) => String(p.name));

/**
 * What is wrong with `job`'s fan-in given every job after the save (`byName`, `job` included): needed jobs
 * must exist and not be the job itself; every key param must be declared, and not secret (a key is stored
 * and shown), on the fan-in job and on every needed job. `path` prefixes the messages (e.g. `needs`).
 */
export function needsErrors(path: string, job: DependencyJob, byName: Map<string, DependencyJob>): string[] {
  const needs = job.needs as Partial<JobNeeds> | null | undefined;
  if (!needs) return [];
  const errors: string[] = [];
  const key = needs.key ?? [];
  const checkKeys = (who: DependencyJob, label: string) => {
    const declared = paramNames(who);
    const secret = secretNames(who);
    for (const k of key) {
      if (!declared.includes(k)) {
        errors.push(`${path}.key: ${label} declares no param ${k} (params: ${declared.join(', ') || 'none'})`);
      } else if (secret.includes(k)) {
        errors.push(
          `${path}.key: param ${k} of ${label} is secret; a fan-in key is stored and shown, so it may not be`,
        );
      }
    }
  };
  checkKeys(job, `job ${job.name}`);
  (needs.jobs ?? []).forEach((name, i) => {
    if (name === job.name) {
      errors.push(`${path}.jobs.${i}: a job cannot need itself`);
      return;
    }
    const needed = byName.get(name);
    if (!needed) errors.push(`${path}.jobs.${i}: job ${name} does not exist`);
    else checkKeys(needed, `needed job ${name}`);
  });
  return errors;
}

/** Errors of every fan-in that needs `job` (e.g. `job` dropped a key param they correlate on). */
export function neededByErrors(job: DependencyJob, byName: Map<string, DependencyJob>): string[] {
  const errors: string[] = [];
  for (const other of byName.values()) {
    if (other.name === job.name || !neededJobs(other).includes(job.name)) continue;
    const key = ((other.needs as Partial<JobNeeds>).key ?? []).filter(
      (k) => !paramNames(job).includes(k) || secretNames(job).includes(k),
    );
    if (key.length) {
      errors.push(
        `params: job ${other.name} needs ${job.name} with key ${key.join(', ')}: ${job.name} must declare ` +
          `${key.length > 1 ? 'these params' : 'this param'} (not secret)`,
      );
    }
  }
  return errors;
}

/** How a cycle message names its fields: `onSuccess/onFailure`, or `onSuccess/onFailure/needs` when a fan-in is in play. */
export function cycleFields(jobs: Iterable<DependencyJob>): string {
  return [...jobs].some((j) => neededJobs(j).length) ? 'onSuccess/onFailure/needs' : 'onSuccess/onFailure';
}
