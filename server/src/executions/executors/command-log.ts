import type { Pool } from 'pg';
import type { EventsService } from '../events.service.js';
import { ExecutionEventsStore } from '../execution-events.store.js';
import type { LogNotice } from '../live-stream.service.js';
import { Masker } from '../masking.js';
import { cutLine } from './command-process.js';

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * Output lines arrive one at a time, so a secret that spans lines (a PEM key, a multi-line token) is
 * masked line by line too: each of its lines (of 4 characters or more) is a secret of its own here.
 */
export function lineMasker(secrets: readonly string[]): Masker {
  const parts = secrets.flatMap((s) =>
    /[\r\n]/.test(s) ? s.split(/\r?\n|\r/).filter((p) => p.trim().length >= 4) : [],
  );
  return new Masker([...secrets, ...parts]);
}

/**
 * The execution's log while a command runs: lines are masked (then cut to MAX_LINE_CHARS), capped
 * (bytes and lines per execution), buffered and written in batches (one INSERT per flush, every 200 ms
 * or 500 lines, each line stamped with the time it arrived), and each flush is announced with a `log`
 * event naming the ids written, so the event stream carries the lines while the script runs.
 */
export class CommandLog {
  private buffer: [LogLevel, string, Date][] = [];
  /** The last log id written (for the closing `log` notice of the runner). */
  lastId: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private failed = false;
  bytes = 0;
  lines = 0;
  truncated = false;
  /** Lines (and bytes) of output that were dropped after the cap. */
  droppedLines = 0;
  droppedBytes = 0;

  constructor(
    private readonly pool: Pool,
    private readonly events: EventsService,
    private readonly execution: { id: string; jobName: string },
    private readonly masker: Masker,
    private readonly maxBytes: number,
    private readonly maxLines: number,
    private readonly onError: (err: Error) => void,
  ) {}

  /** A line of the script's output: counted against the cap. */
  output(level: LogLevel, text: string): void {
    const line = cutLine(this.masker.text(text));
    const size = Buffer.byteLength(line) + 1;
    if (this.truncated || this.lines + 1 > this.maxLines || this.bytes + size > this.maxBytes) {
      if (!this.truncated) {
        this.truncated = true;
        this.push(
          'warn',
          `Output cut: more than ${this.maxLines} lines or ${this.maxBytes} bytes (COMMAND_LOG_MAX_LINES / COMMAND_LOG_MAX_BYTES); the rest is not kept`,
        );
      }
      this.droppedLines++;
      this.droppedBytes += size;
      return;
    }
    this.lines++;
    this.bytes += size;
    this.push(level, line);
  }

  /** A line of ours (stages, git): always kept. */
  note(level: LogLevel, text: string): void {
    this.push(level, cutLine(this.masker.text(text)));
  }

  private push(level: LogLevel, line: string): void {
    this.buffer.push([level, line, new Date()]);
    // Fire and forget: the write chain never rejects (a failed write sets `failed` and reports through
    // onError), and the executor awaits the final flush().
    if (this.buffer.length >= 500) void this.flush();
    else if (!this.timer) this.timer = setTimeout(() => void this.flush(), 200);
  }

  /** Write what is buffered (in order after earlier flushes). */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    if (batch.length === 0) return this.chain;
    this.chain = this.chain.then(async () => {
      if (this.failed) return;
      try {
        const ids = await ExecutionEventsStore.insertLogs(
          this.pool,
          this.execution.id,
          batch.map(([level, message, at]) => ({ at, level, message })),
        );
        if (!ids.length) return;
        this.lastId = ids[ids.length - 1];
        const notice: LogNotice = {
          id: this.execution.id,
          jobName: this.execution.jobName,
          lines: ids.length,
          from: ids[0],
          to: this.lastId,
        };
        void this.events.publish('log', notice);
      } catch (err) {
        this.failed = true;
        this.onError(err as Error);
      }
    });
    return this.chain;
  }

  /** Flush everything and stop buffering. */
  async close(): Promise<void> {
    await this.flush();
  }
}
