import { describe, expect, it } from '@jest/globals';
import { upcomingRuns, type UpcomingSource } from './upcoming.js';

const src = (o: Partial<UpcomingSource> & Pick<UpcomingSource, 'job'>): UpcomingSource => ({
  id: `${o.job}-id`,
  name: 'default',
  jobTitle: '',
  cron: null,
  intervalSeconds: null,
  timezone: 'UTC',
  startsAt: null,
  endsAt: null,
  ...o,
});
const H = 3_600_000;

describe('upcomingRuns', () => {
  it('merges schedules in time order, each slot in its own zone, ties by job name', async () => {
    const from = Date.parse('2026-12-03T00:00:00Z');
    const { items, capped } = await upcomingRuns(
      [
        src({ job: 'wm-c', cron: '30 * * * *', timezone: 'America/New_York' }),
        src({ job: 'wm-a', cron: '10 * * * *', timezone: 'Asia/Tokyo' }),
        src({ job: 'wm-b', cron: '20 * * * *', timezone: 'UTC' }),
        src({ job: 'wm-z', cron: '10 * * * *', timezone: 'UTC' }),
      ],
      from,
      from + 2 * H,
      100,
    );
    expect(capped).toBe(false);
    expect(items.map((i) => `${i.at.slice(11, 16)} ${i.job}`)).toEqual([
      '00:10 wm-a',
      '00:10 wm-z',
      '00:20 wm-b',
      '00:30 wm-c',
      '01:10 wm-a',
      '01:10 wm-z',
      '01:20 wm-b',
      '01:30 wm-c',
    ]);
    expect(items[0]!.local).toBe('2026-12-03T09:10:00+09:00');
    expect(items[3]!.local).toBe('2026-12-02T19:30:00-05:00');
  });

  it('follows DST: a slot in the skipped hour fires once at the jump (Europe/Berlin, 29 March 2026)', async () => {
    const from = Date.parse('2026-03-28T12:00:00Z');
    const { items } = await upcomingRuns(
      [src({ job: 'night', cron: '30 2 * * *', timezone: 'Europe/Berlin' })],
      from,
      from + 48 * H,
      10,
    );
    // 02:30 does not exist on the 29th: the run is at 03:00 CEST (01:00 UTC); the 30th is a normal 02:30 CEST.
    expect(items.map((i) => i.local)).toEqual(['2026-03-29T03:00:00+02:00', '2026-03-30T02:30:00+02:00']);
    expect(items.map((i) => i.at)).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
  });

  it('stops at the cap and says so, without computing every slot of a frequent schedule', async () => {
    const from = Date.parse('2026-12-03T00:00:00Z');
    const { items, capped } = await upcomingRuns(
      [src({ job: 'every-second', intervalSeconds: 1 }), src({ job: 'hourly', cron: '0 * * * *' })],
      from,
      from + 48 * H,
      50,
    );
    expect(capped).toBe(true);
    expect(items).toHaveLength(50);
    expect(items.every((i) => i.job === 'every-second')).toBe(true);
  });

  it('honours startsAt/endsAt and the window end (inclusive)', async () => {
    const from = Date.parse('2026-12-03T00:00:00Z');
    const { items, capped } = await upcomingRuns(
      [
        src({
          job: 'bounded',
          cron: '0 * * * *',
          startsAt: new Date(from + 2 * H),
          endsAt: new Date(from + 4 * H),
        }),
      ],
      from,
      from + 6 * H,
      100,
    );
    expect(capped).toBe(false);
    expect(items.map((i) => i.at.slice(11, 16))).toEqual(['02:00', '03:00', '04:00']);
  });
});

describe('upcomingRuns on a large answer', () => {
  it('lets the event loop run between slices (2,000 every-minute schedules over 48 h)', async () => {
    const from = Date.parse('2026-12-03T00:00:00Z');
    const many = Array.from({ length: 2000 }, (_, i) =>
      src({ job: `j${String(i).padStart(4, '0')}`, id: `s${i}`, cron: `${i % 60} * * * *` }),
    );
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      const { items, capped } = await upcomingRuns(many, from, from + 48 * H, 2000);
      expect(items).toHaveLength(2000);
      expect(capped).toBe(true);
      // Timers fired while it worked: the answer was computed in slices, not in one turn.
      expect(ticks).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });
});
