// The job page's overview (GET /api/v1/jobs/:idOrName/overview) and the upcoming-runs timeline
// (GET /api/v1/schedules/upcoming?hours=N).

/** Most hours `GET /schedules/upcoming` looks ahead. */
export const UPCOMING_HOURS_MAX = 48;
/** Default hours of `GET /schedules/upcoming`. */
export const UPCOMING_HOURS_DEFAULT = 6;
/** Most runs `GET /schedules/upcoming` lists (the earliest ones; `capped` says when there were more). */
export const UPCOMING_ITEMS_MAX = 2000;
/** Next runs listed by the job overview. */
export const OVERVIEW_NEXT_RUNS = 5;
/** Days of the overview's duration series (one bucket per day, in the asked time zone). */
export const OVERVIEW_SERIES_DAYS = 30;

/** One future run of a schedule. */
export interface UpcomingRun {
  /** The instant (UTC, ISO 8601). */
  at: string;
  /** The same instant as wall time in the schedule's zone, with its offset (`2026-03-29T03:00:00+02:00`). */
  local: string;
  job: string;
  jobTitle: string;
  scheduleId: string;
  scheduleName: string;
  timezone: string;
}

export interface UpcomingRuns {
  from: string;
  to: string;
  hours: number;
  items: UpcomingRun[];
  /** True when more runs fall in the window than the cap: `items` are the earliest `cap`. */
  capped: boolean;
  cap: number;
}

/** Top-level runs of a window: a fan-out counts once, with its parent's final status. */
export interface SuccessRate {
  days: number;
  succeeded: number;
  /** failed, timed_out, lost or partial. */
  failed: number;
  /** succeeded / (succeeded + failed), null when neither. */
  rate: number | null;
}

/** The finished top-level runs of one day (in the asked zone). */
export interface DurationPoint {
  /** The day's start, ISO 8601 date (`2026-12-03`). */
  day: string;
  runs: number;
  failed: number;
  /** Median and longest duration of that day's finished runs (ms). */
  p50Ms: number | null;
  maxMs: number | null;
}

export interface ChainEdge {
  job: string;
  on: 'success' | 'failure';
}

export interface JobOverview {
  job: string;
  enabled: boolean;
  successRate: { last7d: SuccessRate; last30d: SuccessRate };
  /** One point per day with finished runs, oldest first, over the last OVERVIEW_SERIES_DAYS days. */
  durations: DurationPoint[];
  /** The zone the days of `durations` are cut in. */
  timezone: string;
  /** The next runs over all enabled schedules of the job (empty when the job is disabled). */
  nextRuns: UpcomingRun[];
  chain: {
    /** Jobs whose onSuccess/onFailure start this job. */
    upstream: ChainEdge[];
    /** Jobs this job starts (its own onSuccess/onFailure). */
    downstream: ChainEdge[];
  };
}
