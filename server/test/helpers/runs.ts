import { FINAL_STATUSES } from '../../../libs/contracts/src/statuses.js';
import type { TestApp } from './app.js';
import { waitFor } from './http-target.js';

const FINAL: readonly string[] = FINAL_STATUSES;

/**
 * The REST steps most execution tests repeat: create a job (201), run it (202), read an execution, and
 * wait until it is final. `app` is read at call time, so the helpers can be made before `beforeAll` starts it.
 */
export function runHelpers(app: () => TestApp, finishTimeoutMs = 30_000) {
  const createJob = async (def: Record<string, unknown>) => {
    const res = await app().api('POST', '/api/v1/jobs', def);
    if (res.status !== 201) throw new Error(`create job: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const run = async (job: string, body: Record<string, unknown> = {}) => {
    const res = await app().api('POST', `/api/v1/jobs/${job}/runs`, body);
    if (res.status !== 202) throw new Error(`run ${job}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.execution as { id: string; status: string };
  };
  const detail = async (id: string) => (await app().api('GET', `/api/v1/executions/${id}`)).body;
  const finished = (id: string, timeoutMs = finishTimeoutMs) =>
    waitFor(
      async () => {
        const d = await detail(id);
        return FINAL.includes(d.status) ? d : null;
      },
      timeoutMs,
      `execution ${id} to finish`,
    );
  return { createJob, run, detail, finished };
}
