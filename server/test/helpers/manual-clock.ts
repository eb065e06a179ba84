import { Clock, type ClockTimer } from '../../src/common/clock.js';
import { waitFor } from './http-target.js';

/**
 * A clock the test moves by hand (`startTestApp(env, db, { clock })`). Time stands still until
 * `advanceTo`, which fires the timers that came due (in the order of their due times); the schedule
 * ticker then fires exactly the slots up to the new time, so a test asserts slots, not wall-clock lag.
 * SQL compares `next_run_at` with this clock too (`databaseNow`).
 */
export class ManualClock extends Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(private t: number) {
    super();
  }

  now(): number {
    return this.t;
  }

  databaseNow(): Date {
    return new Date(this.t);
  }

  setTimer(delayMs: number, fn: () => void): ClockTimer {
    const timer = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => void (this.timers = this.timers.filter((x) => x !== timer)) };
  }

  /** Move to `t` (never backwards) and fire the timers due by then. */
  advanceTo(t: number): void {
    if (t < this.t) throw new Error(`ManualClock: cannot go back from ${this.t} to ${t}`);
    this.t = t;
    const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.timers = this.timers.filter((x) => x.at > t);
    for (const x of due) x.fn();
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Due times of the pending timers, earliest first. */
  pending(): number[] {
    return this.timers.map((x) => x.at).sort((a, b) => a - b);
  }
}

/** What the helpers below need of a ScheduleTicker (kept structural: helpers import no ticker code). */
interface Ticking {
  ticks: number;
  readonly idle: boolean;
  wake(): void;
}

/** Poll until no ticker has a tick running (each has aimed its next timer). */
export async function tickersIdle(tickers: Ticking[]): Promise<void> {
  await waitFor(() => tickers.every((t) => t.idle), 20_000, 'the tickers to be idle');
}

/** Make every ticker run one whole tick from now on (one that starts after this call), and wait for it. */
export async function tickNow(tickers: Ticking[]): Promise<void> {
  const before = tickers.map((t) => t.ticks);
  for (const t of tickers) t.wake();
  await waitFor(() => tickers.every((t, i) => t.ticks > before[i]), 20_000, 'a tick of every ticker');
}
