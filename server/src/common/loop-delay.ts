/**
 * How late this process's event loop runs, as a timer sees it: a 10 ms timer that measures how much
 * later than asked it fired. `recentMs` is the largest delay of about the last half second (it halves
 * every 250 ms), so one slow turn is remembered for a moment and then forgotten.
 *
 * The worker asks it before claiming more executions (guarantee 7): when the loop is already late,
 * health probes and API calls are waiting behind work it accepted, and taking more now would make
 * them wait longer. `ClaimPace` turns the delay into how many rows to claim and how long to wait.
 */
export class LoopDelay {
  private timer: NodeJS.Timeout | null = null;
  private expected = 0;
  private worst = 0;
  private worstAt = 0;

  constructor(private readonly intervalMs = 10) {}

  start(): void {
    if (this.timer) return;
    this.expected = performance.now() + this.intervalMs;
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Records one observed delay (the timer's, or a caller's own measurement). */
  observe(delayMs: number, now = performance.now()): void {
    const current = this.recentMs(now);
    if (delayMs >= current) {
      this.worst = delayMs;
      this.worstAt = now;
    }
  }

  /** The largest recent delay, decayed: halves every 250 ms since it was seen. */
  recentMs(now = performance.now()): number {
    return this.worst / 2 ** ((now - this.worstAt) / 250);
  }

  private sample(): void {
    const now = performance.now();
    this.observe(Math.max(0, now - this.expected), now);
    this.expected = now + this.intervalMs;
  }
}

/** Below this delay the loop is keeping up: claim every free slot at once. */
export const PACE_CALM_MS = 40;
/** Above this the loop is behind: an eighth of the free slots, after a longer pause. */
export const PACE_BEHIND_MS = 75;

/**
 * How many of `free` slots to fill now and how long to wait before the next claim, given the loop's
 * recent delay. Always at least one row (work never stops, it slows down), and the pause is short
 * enough (≤ 50 ms) that a loaded replica still drains its share of the queue.
 */
export function claimPace(free: number, delayMs: number): { take: number; pauseMs: number } {
  if (free <= 0) return { take: 0, pauseMs: 0 };
  if (delayMs < PACE_CALM_MS) return { take: free, pauseMs: 0 };
  if (delayMs < PACE_BEHIND_MS) return { take: Math.max(1, Math.ceil(free / 4)), pauseMs: 5 };
  return { take: Math.max(1, Math.ceil(free / 8)), pauseMs: Math.min(50, Math.round(delayMs / 2)) };
}
