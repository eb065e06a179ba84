import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { UpcomingSource } from './upcoming.js';

/** The SQL of the upcoming-runs timeline and the job overview's next runs: enabled schedules of enabled jobs. */
@Injectable()
export class UpcomingStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Every enabled schedule of an enabled job (at most LIMITS.schedulesMax exist), or only those of `jobId`. */
  async sources(jobId?: string): Promise<UpcomingSource[]> {
    const rows: {
      id: string;
      name: string;
      job: string;
      job_title: string;
      cron: string | null;
      interval_seconds: number | null;
      timezone: string;
      starts_at: Date | null;
      ends_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT s.id, s.name, j.name AS job, j.title AS job_title, s.cron, s.interval_seconds, s.timezone,
              s.starts_at, s.ends_at
         FROM schedules s JOIN jobs j ON j.id = s.job_id
        WHERE s.enabled AND j.enabled ${jobId ? 'AND s.job_id = $1' : ''}
        ORDER BY j.name, s.name, s.id`,
      jobId ? [jobId] : [],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      job: r.job,
      jobTitle: r.job_title,
      cron: r.cron,
      intervalSeconds: r.interval_seconds,
      timezone: r.timezone,
      startsAt: r.starts_at ? new Date(r.starts_at) : null,
      endsAt: r.ends_at ? new Date(r.ends_at) : null,
    }));
  }
}
