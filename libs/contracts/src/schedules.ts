/** What a schedule does with slots that passed while no replica could fire them. */
export type MisfirePolicy = 'skip' | 'run_once' | 'run_all';

/** A schedule as returned by the API. Times are ISO 8601 (UTC). */
export interface Schedule {
  id: string;
  jobId: string;
  jobName: string;
  name: string;
  /** 5 or 6 fields (seconds first) or an alias (@hourly, @daily, …); null for interval schedules. */
  cron: string | null;
  /** Every N seconds (elapsed time); null for cron schedules. */
  intervalSeconds: number | null;
  /** IANA time zone the cron is read in. */
  timezone: string;
  /** Raw parameters (templates allowed), resolved at each slot. */
  params: Record<string, unknown>;
  enabled: boolean;
  startsAt: string | null;
  endsAt: string | null;
  misfirePolicy: MisfirePolicy;
  misfireCap: number;
  /** Null when paused or ended. */
  nextRunAt: string | null;
  lastRunAt: string | null;
  /** Human-readable description (English). */
  description: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleList {
  items: Schedule[];
  /** Schedules matching the filter (all pages). */
  total: number;
  /** Pass as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

export interface CreateScheduleRequest {
  /** Job id or name. */
  job: string;
  /** Unique per job; default: the cron or "every N s". */
  name?: string;
  cron?: string;
  intervalSeconds?: number;
  timezone?: string;
  params?: Record<string, unknown>;
  enabled?: boolean;
  startsAt?: string | null;
  endsAt?: string | null;
  misfirePolicy?: MisfirePolicy;
  misfireCap?: number;
}

/** Every field optional; setting `cron` clears `intervalSeconds` and vice versa. */
export interface UpdateScheduleRequest {
  name?: string;
  cron?: string;
  intervalSeconds?: number;
  timezone?: string;
  params?: Record<string, unknown>;
  enabled?: boolean;
  startsAt?: string | null;
  endsAt?: string | null;
  misfirePolicy?: MisfirePolicy;
  misfireCap?: number;
}

/** GET /api/v1/schedules/preview */
export interface SchedulePreview {
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  locale: 'en' | 'ja';
  description: string;
  /** Next fire times, ISO 8601 with the zone's offset (e.g. 2026-01-01T09:00:00+09:00). */
  next: string[];
}
