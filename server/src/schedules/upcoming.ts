import type { UpcomingRun } from '@api-manager/contracts';
import { compileSpec, type CompiledSpec, ScheduleSpecError } from './schedule-clock.js';
import { isoInZone } from './schedule-text.js';
import { yieldToEventLoop } from '../common/yield.js';

/** Work between two yields to the event loop (a slot costs ~0.3–1.5 ms: 2,000 schedules over 48 h is seconds). */
const SLICE_MS = 8;

/** An enabled schedule of an enabled job, as the upcoming-runs store reads it. */
export interface UpcomingSource {
  id: string;
  name: string;
  job: string;
  jobTitle: string;
  cron: string | null;
  intervalSeconds: number | null;
  timezone: string;
  startsAt: Date | null;
  endsAt: Date | null;
}

/**
 * The runs of `sources` in (fromMs, toMs], earliest first, at most `cap` (then `capped`). A k-way merge:
 * each schedule is asked for its next slot only when its previous one was taken, so the work is
 * cap + number of schedules slot computations whatever the schedules' frequency (an every-second
 * schedule over 48 h does not compute 172,800 slots). Slots come from schedule-clock (croner with
 * Vixie day semantics, DST rules), the same code the ticker fires by. The work is cut into slices of
 * SLICE_MS with a yield between them, so a large answer never holds the event loop (guarantee 7).
 */
export async function upcomingRuns(
  sources: UpcomingSource[],
  fromMs: number,
  toMs: number,
  cap: number,
): Promise<{ items: UpcomingRun[]; capped: boolean }> {
  let slice = performance.now();
  const breathe = async () => {
    if (performance.now() - slice < SLICE_MS) return;
    await yieldToEventLoop();
    slice = performance.now();
  };
  const heads: { src: UpcomingSource; c: CompiledSpec; next: number }[] = [];
  for (const src of sources) {
    await breathe();
    let c: CompiledSpec;
    try {
      c = compileSpec(
        {
          cron: src.cron,
          intervalSeconds: src.intervalSeconds,
          timezone: src.timezone,
          startsAt: src.startsAt,
          endsAt: src.endsAt,
        },
        { probe: false },
      );
    } catch (e) {
      // A stored schedule was validated at save; one that no longer compiles (a zone dropped from the
      // platform's tz data) has no upcoming runs rather than breaking the whole answer.
      if (e instanceof ScheduleSpecError) continue;
      throw e;
    }
    const next = c.next(fromMs);
    if (next !== null && next <= toMs) heads.push({ src, c, next });
  }
  const items: UpcomingRun[] = [];
  // A binary heap on (next, job, schedule name) keeps ties in a stable, readable order.
  const less = (a: (typeof heads)[number], b: (typeof heads)[number]) =>
    a.next !== b.next
      ? a.next < b.next
      : a.src.job !== b.src.job
        ? a.src.job < b.src.job
        : a.src.name < b.src.name || (a.src.name === b.src.name && a.src.id < b.src.id);
  const swap = (i: number, j: number) => ([heads[i], heads[j]] = [heads[j]!, heads[i]!]);
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heads.length && less(heads[l]!, heads[m]!)) m = l;
      if (r < heads.length && less(heads[r]!, heads[m]!)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let i = Math.floor(heads.length / 2) - 1; i >= 0; i--) down(i);
  while (heads.length) {
    await breathe();
    const top = heads[0]!;
    if (items.length === cap) return { items, capped: true };
    items.push({
      at: new Date(top.next).toISOString(),
      local: isoInZone(top.next, top.src.timezone),
      job: top.src.job,
      jobTitle: top.src.jobTitle,
      scheduleId: top.src.id,
      scheduleName: top.src.name,
      timezone: top.src.timezone,
    });
    const n = top.c.next(top.next);
    if (n !== null && n <= toMs) {
      top.next = n;
    } else {
      const last = heads.pop()!;
      if (heads.length) heads[0] = last;
    }
    if (heads.length) down(0);
  }
  return { items, capped: false };
}
