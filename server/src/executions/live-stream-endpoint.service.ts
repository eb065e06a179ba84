import { BadRequestException, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { EventsService } from './events.service.js';
import { ExecutionEventsStore } from './execution-events.store.js';
import { LiveStreamHub } from './live-stream.service.js';
import { parseEventId, SseClient } from './sse-client.js';
import { poolOf } from '../database/pg-pool.js';

const PING_MS = 15_000;

/** `GET /api/v1/events`: opens SSE clients on the replica's hub; ends them all when the app closes. */
@Injectable()
export class LiveStreamService implements OnModuleDestroy {
  private readonly clients = new Set<SseClient>();
  private pinger: NodeJS.Timeout | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hub: LiveStreamHub,
    events: EventsService,
  ) {
    events.closing.subscribe(() => this.closeAll());
  }

  async open(_req: Request, res: Response, execution: string | null, lastEventId: string | null): Promise<void> {
    const resume = lastEventId ? parseEventId(lastEventId) : null;
    if (lastEventId && !resume) {
      throw new BadRequestException('Last-Event-ID must be an event id of this stream (<cursor>.<n>)');
    }
    const pool = poolOf(this.dataSource);
    const start = resume ?? { cursor: BigInt(await ExecutionEventsStore.lastLogId(pool)), seq: 0 };
    let remove = (): void => undefined;
    const client = new SseClient(res, pool, execution, start, () => {
      remove();
      this.clients.delete(client);
    });
    client.open();
    if (client.isClosed) return;
    // Listen first (events are held while the replay runs), so nothing falls between replay and live.
    remove = this.hub.add(client);
    this.clients.add(client);
    this.ensurePinger();
    if (resume) {
      try {
        await client.replay(resume.cursor);
      } catch {
        client.close();
      }
    }
  }

  private ensurePinger(): void {
    if (this.pinger) return;
    this.pinger = setInterval(() => {
      for (const c of this.clients) c.ping();
    }, PING_MS);
    this.pinger.unref();
  }

  private closeAll(): void {
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = null;
    for (const c of [...this.clients]) c.close();
  }

  onModuleDestroy(): void {
    this.closeAll();
  }
}
