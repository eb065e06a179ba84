import type { Pool } from 'pg';
import type { EventsService } from '../events.service.js';
import type { Masker } from '../masking.js';

export type LogLevel = 'info' | 'warn' | 'error';

/**
 * The execution's log while a command runs: lines are masked, capped (bytes and lines per
 * execution), buffered and written in batches (one INSERT per flush), and each flush is announced
 * with a `log` event so the admin shows them live.
 */
export class CommandLog {
  private buffer: [LogLevel, string][] = [];
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
    const line = this.masker.text(text);
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
    this.push(level, this.masker.text(text));
  }

  private push(level: LogLevel, line: string): void {
    this.buffer.push([level, line]);
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
        await this.pool.query(
          `INSERT INTO execution_logs (execution_id, level, message)
           SELECT $1, l, m FROM unnest($2::text[], $3::text[]) AS x(l, m)`,
          [this.execution.id, batch.map((b) => b[0]), batch.map((b) => b[1].replace(/\0/g, ''))],
        );
        void this.events.publish('log', {
          id: this.execution.id,
          jobName: this.execution.jobName,
          lines: batch.length,
        });
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
