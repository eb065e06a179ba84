import { FINAL_STATUSES } from '../../../libs/contracts/src/statuses.js';
import type { TestApp } from './app.js';
import { waitFor } from './http-target.js';

const FINAL: readonly string[] = FINAL_STATUSES;

/** True for a status no execution leaves (succeeded, failed, ..., lost): the list in libs/contracts. */
export const isFinal = (status: unknown): boolean => typeof status === 'string' && FINAL.includes(status);

/**
 * The REST steps most execution tests repeat: create a job (201), run it (202), read an execution, and
 * wait until it is final. `app` is read at call time, so the helpers can be made before `beforeAll` starts it.
 */
export function runHelpers(app: () => TestApp, finishTimeoutMs = 30_000) {
  const createJob = async (def: Record<string, unknown>) => {
    const res = await app().api('POST', '/api/v1/jobs', def);
    if (res.status !== 201)
      throw new Error(`create job ${JSON.stringify(def)}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** Start a run (`headers`: act as someone else than the admin); the new execution's id and status. */
  const run = async (job: string, body: Record<string, unknown> = {}, headers?: Record<string, string>) => {
    const res = await app().api('POST', `/api/v1/jobs/${job}/runs`, body, headers);
    if (res.status !== 202) throw new Error(`run ${job}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.execution as { id: string; status: string };
  };
  /** `run` for tests that only need the new execution's id. */
  const runId = async (job: string, body: Record<string, unknown> = {}) => (await run(job, body)).id;
  const detail = async (id: string) => {
    const res = await app().api('GET', `/api/v1/executions/${id}`);
    if (res.status !== 200) throw new Error(`execution ${id}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const finished = (id: string, timeoutMs = finishTimeoutMs) =>
    waitFor(
      async () => {
        const d = await detail(id);
        return isFinal(d.status) ? d : null;
      },
      timeoutMs,
      `execution ${id} to finish`,
    );
  /** Run `job` and wait until the execution is final; its detail. */
  const runToEnd = async (job: string, body: Record<string, unknown> = {}, timeoutMs = finishTimeoutMs) =>
    finished((await run(job, body)).id, timeoutMs);
  return { createJob, run, runId, detail, finished, runToEnd };
}
