import type { Logger } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventsService } from './events.service.js';
import { ExecutionEventsStore } from './execution-events.store.js';
import type { LogNotice } from './live-stream.service.js';

/**
 * An HTTP attempt's log while it is in flight: each line is written when its event happens (request sent,
 * response headers, body done), stamped with that moment, in order, and announced as a `log` notice. The
 * request snapshot is put on the row together with the first line, so the detail API shows what was sent
 * while the response is awaited. Writes never hold the call up; `settled()` waits for them.
 */
export class LiveLog {
  private chain: Promise<void> = Promise.resolve();
  /** The last id written (the runner's closing lines follow it). */
  lastId: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly events: EventsService,
    private readonly exec: { id: string; jobName: string; parentId: string | null },
    private readonly owner: string,
    private readonly logger: Logger,
  ) {}

  requestSent(request: unknown, message: string): void {
    const line = { at: new Date(), level: 'info', message };
    this.enqueue(async () => {
      const id = await ExecutionEventsStore.requestSent(this.pool, this.exec.id, this.owner, request, line);
      return id ? [id] : [];
    });
  }

  line(level: string, message: string): void {
    const line = { at: new Date(), level, message };
    this.enqueue(() => ExecutionEventsStore.insertLogs(this.pool, this.exec.id, [line]));
  }

  private enqueue(write: () => Promise<string[]>): void {
    this.chain = this.chain.then(async () => {
      try {
        const ids = await write();
        if (!ids.length) return;
        this.lastId = ids[ids.length - 1];
        const notice: LogNotice = {
          id: this.exec.id,
          jobName: this.exec.jobName,
          lines: ids.length,
          from: ids[0],
          to: this.lastId,
          parentId: this.exec.parentId,
        };
        void this.events.publish('log', notice);
      } catch (err) {
        this.logger.warn(`Execution ${this.exec.id}: writing a log line failed: ${(err as Error).message}`);
      }
    });
  }

  settled(): Promise<void> {
    return this.chain;
  }
}
