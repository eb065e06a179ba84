import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import type {
  ExecutionStatus,
  PipelineEdge,
  PipelineNode,
  PipelineRunCounts,
  PipelineRunDetail,
  PipelineRunPage,
  PipelineRunStatus,
  PipelineRunSummary,
} from '@api-manager/contracts';
import { decodePageCursor, pageLimit, toPage } from '../common/paging.js';
import type { Execution } from '../executions/execution.entity.js';
import type { PipelineRunListQueryDto } from './pipeline-run.dto.js';
import { PipelinesStore, type RunCountsRow, type RunRow } from './pipelines.store.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A run's status from its counts: running while anything is queued, running or waiting. */
export function derivedStatus(c: PipelineRunCounts): PipelineRunStatus {
  if (c.queued + c.running + c.waiting > 0) return 'running';
  if (c.failed > 0) return c.succeeded > 0 ? 'partial' : 'failed';
  if (c.skipped > 0) return c.succeeded > 0 ? 'partial' : 'failed';
  if (c.cancelled > 0) return 'cancelled';
  return 'succeeded';
}

const countsOf = (r: RunCountsRow): PipelineRunCounts => ({
  total: r.total,
  queued: r.queued,
  running: r.running,
  succeeded: r.succeeded,
  failed: r.failed,
  cancelled: r.cancelled,
  skipped: r.skipped,
  waiting: r.waiting,
});

const iso = (d: Date | string | null): string | null => (d == null ? null : new Date(d).toISOString());

/** Pipeline runs: which executions one trigger started through chains and fan-ins, and their graph. */
@Injectable()
export class PipelineRunsService {
  constructor(private readonly store: PipelinesStore) {}

  /** The run an execution's follow-ups belong to: its own, else one rooted at it (or its fan-out parent). */
  async runFor(exec: Execution): Promise<string> {
    if (exec.pipelineRunId) return exec.pipelineRunId;
    const rootId = exec.trigger === 'fanout' && exec.parentId ? exec.parentId : exec.id;
    const runId = await this.store.ensureRun(rootId);
    if (rootId !== exec.id) await this.store.stamp(exec.id, runId);
    exec.pipelineRunId = runId;
    return runId;
  }

  /** Recompute and store a run's status (after one of its executions finished). */
  async refresh(runId: string): Promise<PipelineRunStatus> {
    const row = await this.store.counts(runId);
    const counts = countsOf(row);
    const status = derivedStatus(counts);
    await this.store.saveStatus(runId, status, counts, status === 'running' ? null : (row.last_finished ?? new Date()));
    return status;
  }

  async list(q: PipelineRunListQueryDto): Promise<PipelineRunPage> {
    const limit = pageLimit(q);
    const after = q.cursor ? (decodePageCursor(q.cursor, 2) as [string, string]) : undefined;
    if (after && (Number.isNaN(Date.parse(after[0])) || !UUID.test(after[1]))) {
      throw new BadRequestException(['cursor is not valid: pass nextCursor from a previous page']);
    }
    const rows = await this.store.listRuns({ limit, after, job: q.job, status: q.status });
    return toPage(
      rows,
      limit,
      (r) => [new Date(r.started_at).toISOString(), r.id],
      (r) => this.summary(r, r),
    );
  }

  async detail(id: string): Promise<PipelineRunDetail> {
    if (!UUID.test(id)) throw new BadRequestException(['id must be a UUID']);
    const run = await this.store.run(id);
    if (!run) throw new NotFoundException(`Pipeline run ${id} not found`);
    const [counts, execs, slots] = await Promise.all([
      this.store.counts(id),
      this.store.nodes(id),
      this.store.slotsOfRun(id),
    ]);
    const groupBy = [...new Set(slots.flatMap((s) => s.key_names))];
    // A node's group: its values of the fan-in key params (null when it lacks one, or holds a list: a fan-out parent).
    const groupOf = (params: Record<string, unknown>): string | null => {
      const values = groupBy.map((k) => params[k]);
      if (!groupBy.length || values.some((v) => v === undefined || v === null || typeof v === 'object')) return null;
      return groupBy.map((k, i) => `${k}=${String(values[i] as string | number | boolean)}`).join(', ');
    };
    const ids = new Set(execs.map((e) => e.id));
    const fanInExecs = new Set(slots.map((s) => s.execution_id).filter((x): x is string => !!x));
    const nodes: PipelineNode[] = execs.map((e) => ({
      id: e.id,
      executionId: e.id,
      jobName: e.job_name,
      status: e.status as ExecutionStatus,
      group: groupOf(e.params),
      layer: 0,
      startedAt: iso(e.started_at),
      finishedAt: iso(e.finished_at),
      error: e.error,
    }));
    const edges: PipelineEdge[] = [];
    for (const e of execs) {
      if (e.parent_id && ids.has(e.parent_id) && !fanInExecs.has(e.id)) {
        edges.push({ from: e.parent_id, to: e.id, kind: e.trigger === 'fanout' ? 'fanout' : 'chain' });
      }
    }
    for (const s of slots) {
      let target = s.execution_id && ids.has(s.execution_id) ? s.execution_id : null;
      if (!target && s.state === 'waiting') {
        target = `waiting:${s.id}`;
        nodes.push({
          id: target,
          executionId: null,
          jobName: s.job_name,
          status: 'waiting',
          group: groupOf(s.key_values),
          layer: 0,
          startedAt: null,
          finishedAt: null,
          error: null,
        });
      }
      if (!target) continue;
      for (const a of Object.values(s.arrivals)) {
        if (ids.has(a.executionId)) edges.push({ from: a.executionId, to: target, kind: 'needs' });
      }
    }
    layer(nodes, edges);
    return { ...this.summary(run, { ...counts, waiting: counts.waiting }), groupBy, nodes, edges };
  }

  private summary(run: RunRow, c: RunCountsRow): PipelineRunSummary {
    const counts = countsOf(c);
    const status = derivedStatus(counts);
    return {
      id: run.id,
      rootExecutionId: run.root_execution_id,
      rootJobName: run.root_job_name,
      trigger: run.trigger,
      status,
      startedAt: iso(run.started_at)!,
      finishedAt: status === 'running' ? null : iso(run.finished_at ?? c.last_finished),
      counts,
    };
  }
}

/** Longest-path layers from the roots (the graph is a DAG: edges point from earlier runs to later ones). */
function layer(nodes: PipelineNode[], edges: PipelineEdge[]): void {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const incoming = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const out = new Map<string, string[]>();
  for (const e of edges) {
    if (!byId.has(e.from) || !byId.has(e.to)) continue;
    incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
    out.set(e.from, [...(out.get(e.from) ?? []), e.to]);
  }
  const queue = nodes.filter((n) => incoming.get(n.id) === 0).map((n) => n.id);
  while (queue.length) {
    const id = queue.shift()!;
    const from = byId.get(id)!;
    for (const to of out.get(id) ?? []) {
      const node = byId.get(to)!;
      node.layer = Math.max(node.layer, from.layer + 1);
      const left = (incoming.get(to) ?? 1) - 1;
      incoming.set(to, left);
      if (left === 0) queue.push(to);
    }
  }
}
