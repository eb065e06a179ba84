import type { Response } from 'express';
import type { Pool } from 'pg';
import type { AppEvent } from './events.service.js';
import { ExecutionEventsStore } from './execution-events.store.js';
import {
  CLIENT_BUFFER_MAX,
  CLIENT_QUEUE_MAX,
  type HubListener,
  type LiveLine,
  type LogEventData,
} from './live-stream.service.js';

/** Lines replayed per read on resume, and at most in all (then a `reset` event says the rest was skipped). */
const REPLAY_PAGE = 500;
export const REPLAY_MAX = 50_000;

/** `Last-Event-ID` as this server writes it: `<log cursor>.<sequence>`. */
export function parseEventId(v: string | undefined | null): { cursor: bigint; seq: number } | null {
  const m = /^(\d{1,19})\.(\d{1,15})$/.exec((v ?? '').trim());
  return m ? { cursor: BigInt(m[1]), seq: Number(m[2]) } : null;
}

/**
 * One SSE connection. Event ids are `<log cursor>.<sequence>`: the cursor is the highest log line id sent on
 * this stream, the sequence counts events; both only grow, so ids increase. A client that comes back with
 * `Last-Event-ID` first gets every log line after its cursor from the table (in order), then the live events,
 * with lines it already got in the replay left out. A client that reads too slowly (more than
 * CLIENT_BUFFER_MAX bytes waiting) is disconnected: it resumes from its last id, so nothing is lost and the
 * server never holds more than that per client.
 */
export class SseClient implements HubListener {
  private cursor: bigint;
  private seq: number;
  private replaying = false;
  private queue: AppEvent[] = [];
  private closed = false;
  /** Lines up to this id were sent before live events (in the replay, or before the stream began): left out. */
  private replayedUpTo: bigint;

  constructor(
    private readonly res: Response,
    private readonly pool: Pool,
    private readonly execution: string | null,
    start: { cursor: bigint; seq: number },
    private readonly onClose: () => void,
  ) {
    this.cursor = start.cursor;
    this.seq = start.seq;
    this.replayedUpTo = start.cursor;
    res.on('close', () => this.close());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  open(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    this.res.write(`retry: 2000\n\n`);
  }

  /** Replay log lines after `from` (exclusive), then whatever arrived meanwhile. */
  async replay(from: bigint): Promise<void> {
    this.replaying = true;
    try {
      this.replayedUpTo = -1n;
      let after = from;
      let sent = 0;
      while (!this.closed) {
        const rows = this.execution
          ? (await ExecutionEventsStore.logsOf(this.pool, this.execution, after.toString(), REPLAY_PAGE)).map((r) => ({
              ...r,
              jobName: '',
            }))
          : await ExecutionEventsStore.logsAfter(this.pool, after.toString(), REPLAY_PAGE);
        if (!rows.length) break;
        let jobName = rows[0].jobName;
        if (this.execution && !jobName)
          jobName = (await ExecutionEventsStore.jobNameOf(this.pool, this.execution)) ?? '';
        // Consecutive lines of one execution go in one event.
        let group: { id: string; jobName: string; logs: LiveLine[] } | null = null;
        for (const r of rows) {
          if (!group || group.id !== r.executionId) {
            if (group) await this.sendLogs(group);
            group = { id: r.executionId, jobName: r.jobName || jobName, logs: [] };
          }
          group.logs.push({ id: r.id, at: r.at, level: r.level, message: r.message });
        }
        if (group) await this.sendLogs(group);
        after = BigInt(rows[rows.length - 1].id);
        sent += rows.length;
        if (rows.length < REPLAY_PAGE) break;
        if (sent >= REPLAY_MAX) {
          const latest = BigInt(await ExecutionEventsStore.lastLogId(this.pool));
          if (latest > this.cursor) this.cursor = latest;
          this.write('reset', { reason: `More than ${REPLAY_MAX} log lines were missed; reload the executions` });
          break;
        }
      }
    } finally {
      this.replaying = false;
      this.replayedUpTo = this.cursor;
    }
    const queued = this.queue;
    this.queue = [];
    for (const e of queued) this.deliver(e);
  }

  private async sendLogs(g: { id: string; jobName: string; logs: LiveLine[] }): Promise<void> {
    const data: LogEventData = { id: g.id, jobName: g.jobName, lines: g.logs.length, logs: g.logs };
    this.writeLog(data);
    // Replay respects backpressure: wait until the socket drained before the next page.
    if (!this.closed && this.res.writableLength > CLIENT_BUFFER_MAX / 2) {
      await new Promise<void>((r) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          r();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
  }

  deliver(e: AppEvent): void {
    if (this.closed) return;
    if (this.replaying) {
      if (this.queue.length >= CLIENT_QUEUE_MAX) this.close();
      else this.queue.push(e);
      return;
    }
    if (!this.wants(e)) return;
    if (e.type === 'log') this.writeLog(e.data as LogEventData);
    else this.write(e.type, e.data);
  }

  overflow(): void {
    this.close();
  }

  private wants(e: AppEvent): boolean {
    if (!this.execution) return true;
    const d = e.data as { id?: unknown; parentId?: unknown } | null;
    if (e.type === 'log') return d?.id === this.execution;
    if (e.type === 'execution') return d?.id === this.execution || d?.parentId === this.execution;
    return false;
  }

  private writeLog(data: LogEventData): void {
    // Lines at or below the cursor were sent already (in the replay).
    const logs = data.logs.filter((l) => BigInt(l.id) > this.replayedUpTo);
    if (!logs.length) return;
    for (const l of logs) if (BigInt(l.id) > this.cursor) this.cursor = BigInt(l.id);
    this.write('log', { ...data, lines: logs.length, logs });
  }

  write(type: string, data: unknown): void {
    if (this.closed) return;
    this.seq++;
    const frame = `id: ${this.cursor}.${this.seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
    this.res.write(frame);
    if (this.res.writableLength > CLIENT_BUFFER_MAX) this.close();
  }

  /** A comment line keeps proxies from closing an idle stream. */
  ping(): void {
    if (this.closed) return;
    this.write('ping', {});
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.onClose();
    if (!this.res.writableEnded) this.res.end();
    this.res.destroy();
  }
}
