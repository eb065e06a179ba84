import { type DynamicModule, Global, Module } from '@nestjs/common';

/** A pending `Clock.setTimer` call. */
export interface ClockTimer {
  cancel(): void;
}

/**
 * The time the schedule ticker (and schedule definitions) run on. Production uses `SystemClock`;
 * tests inject a clock they drive by hand (server/test/helpers/manual-clock.ts), so firing is
 * tested slot by slot without waiting on the wall clock.
 */
export abstract class Clock {
  /** Milliseconds since the Unix epoch. */
  abstract now(): number;
  /**
   * The instant SQL compares `next_run_at` with. `null`: the database's own clock
   * (`clock_timestamp()`), the same for every replica whatever their process clocks say.
   */
  abstract databaseNow(): Date | null;
  /** Call `fn` once, `delayMs` from now by this clock. */
  abstract setTimer(delayMs: number, fn: () => void): ClockTimer;
}

/** Real time: `Date.now()`, `setTimeout`, and the database clock for SQL. */
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  databaseNow(): null {
    return null;
  }

  setTimer(delayMs: number, fn: () => void): ClockTimer {
    const t = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(t) };
  }
}

/** Provides `Clock` to every module (a `SystemClock` unless the app is built with another one). */
@Global()
@Module({})
export class ClockModule {
  static forRoot(clock: Clock = new SystemClock()): DynamicModule {
    return { module: ClockModule, providers: [{ provide: Clock, useValue: clock }], exports: [Clock] };
  }
}
