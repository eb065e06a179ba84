import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { poolOf } from '../database/pg-pool.js';

const BATCH = 1000;

/**
 * Prunes finished executions older than RETENTION_DAYS, 1,000 rows per statement (short
 * transactions, no long locks), on an interval. Logs go with them (ON DELETE CASCADE).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionService.name);
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.WORKERS_ENABLED || this.config.RETENTION_DAYS <= 0) return;
    this.timer = setInterval(
      () => void this.prune().catch((err: Error) => this.logger.warn(`Pruning failed: ${err.message}`)),
      this.config.RETENTION_INTERVAL_MS,
    );
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /** Delete old finished executions in batches; returns how many were deleted. */
  async prune(days = this.config.RETENTION_DAYS, batch = BATCH): Promise<number> {
    if (days <= 0) return 0;
    const pool = poolOf(this.dataSource);
    let total = 0;
    for (;;) {
      const { rowCount } = await pool.query(
        `DELETE FROM executions WHERE id IN (
           SELECT id FROM executions
            WHERE created_at < now() - $1 * interval '1 day'
              AND status NOT IN ('queued', 'running')
            ORDER BY created_at LIMIT $2)`,
        [days, batch],
      );
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batch || this.stopped) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    if (total) this.logger.log(`Pruned ${total} execution(s) older than ${days} day(s)`);
    return total;
  }
}
