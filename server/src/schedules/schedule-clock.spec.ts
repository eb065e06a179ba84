import { compileSpec, normalizeCron, planFiring, ScheduleSpecError, slotsBetween } from './schedule-clock.js';

const iso = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const at = (s: string) => Date.parse(s);
const runs = (cron: string, timezone: string, from: string, to: string) =>
  iso(slotsBetween(compileSpec({ cron, timezone }), at(from), at(to)));

describe('schedule clock: cron parsing', () => {
  it('accepts 5 and 6 fields and @aliases', () => {
    expect(normalizeCron('@hourly')).toBe('0 * * * *');
    expect(normalizeCron(' */5  * * * * * ')).toBe('*/5 * * * * *');
    expect(runs('@daily', 'Asia/Tokyo', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')).toEqual([
      '2026-01-01T15:00:00.000Z',
    ]);
    expect(runs('*/20 * * * * *', 'UTC', '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z')).toEqual([
      '2026-01-01T00:00:20.000Z',
      '2026-01-01T00:00:40.000Z',
      '2026-01-01T00:01:00.000Z',
    ]);
  });

  it('rejects bad patterns, field counts, aliases and zones with a reason', () => {
    expect(() => compileSpec({ cron: '61 * * * *', timezone: 'UTC' })).toThrow(/minute/);
    expect(() => compileSpec({ cron: '* * * *', timezone: 'UTC' })).toThrow(/5 fields/);
    expect(() => compileSpec({ cron: '1 2 3 4 5 6 7', timezone: 'UTC' })).toThrow(/got 7/);
    expect(() => compileSpec({ cron: '@reboot', timezone: 'UTC' })).toThrow(/alias/);
    expect(() => compileSpec({ cron: '* * * * *', timezone: 'Mars/Olympus' })).toThrow(/IANA/);
    expect(() => compileSpec({ timezone: 'UTC' })).toThrow(ScheduleSpecError);
    expect(() => compileSpec({ cron: '* * * * *', intervalSeconds: 5, timezone: 'UTC' })).toThrow(/exactly one/);
    expect(() => compileSpec({ intervalSeconds: 0, timezone: 'UTC' })).toThrow(/intervalSeconds/);
  });

  it('ORs the day fields only when both are restricted and neither starts with * (Vixie cron)', () => {
    // 1st/15th of the month OR Mondays, at 09:00 UTC; 2026-06-01 is a Monday, 2026-06-08 too.
    expect(runs('0 9 1,15 * 1', 'UTC', '2026-06-01T10:00:00Z', '2026-06-16T00:00:00Z')).toEqual([
      '2026-06-08T09:00:00.000Z',
      '2026-06-15T09:00:00.000Z',
    ]);
  });

  it('ANDs the day fields when either starts with * (Vixie cron: */2 is not "restricted")', () => {
    // Odd-dated Mondays in June-August 2026: Mondays are 1, 8, 15, 22, 29 Jun; 6, 13, 20, 27 Jul; 3, 10, 17, 24, 31 Aug.
    expect(runs('0 0 0 */2 * MON', 'UTC', '2026-06-01T00:00:00Z', '2026-08-31T23:00:00Z')).toEqual([
      '2026-06-15T00:00:00.000Z',
      '2026-06-29T00:00:00.000Z',
      '2026-07-13T00:00:00.000Z',
      '2026-07-27T00:00:00.000Z',
      '2026-08-03T00:00:00.000Z',
      '2026-08-17T00:00:00.000Z',
      '2026-08-31T00:00:00.000Z',
    ]);
    // The star on the day-of-week side ANDs too: the 1st..7th that are Sundays.
    expect(runs('0 12 1-7 * */7', 'UTC', '2026-06-01T00:00:00Z', '2026-06-30T00:00:00Z')).toEqual([
      '2026-06-07T12:00:00.000Z', // a Sunday (*/7 = 0 and 7 = Sunday) within the 1st..7th
    ]);
    // A plain * on one side: only the other field counts (every Monday; the 1st of every month).
    expect(runs('0 0 * * 1', 'UTC', '2026-06-01T00:00:00Z', '2026-06-09T00:00:00Z')).toEqual([
      '2026-06-08T00:00:00.000Z',
    ]);
    expect(runs('0 0 1 * *', 'UTC', '2026-06-01T00:00:00Z', '2026-08-01T00:00:00Z')).toEqual([
      '2026-07-01T00:00:00.000Z',
      '2026-08-01T00:00:00.000Z',
    ]);
  });

  it('names the field, the value and the allowed range in cron errors', () => {
    const msg = (cron: string) => {
      try {
        compileSpec({ cron, timezone: 'UTC' });
        return 'accepted';
      } catch (err) {
        return (err as Error).message.replace(/^invalid cron "[^"]*": /, '');
      }
    };
    expect(() => compileSpec({ cron: '0 0 32 * *', timezone: 'UTC' })).toThrow(
      'invalid cron "0 0 32 * *": day-of-month 32 is out of range 1-31',
    );
    expect(msg('0 0 32 * *')).toBe('day-of-month 32 is out of range 1-31');
    expect(msg('0 0 0 * *')).toBe('day-of-month 0 is out of range 1-31');
    expect(msg('60 * * * *')).toBe('minute 60 is out of range 0-59');
    expect(msg('0 24 * * *')).toBe('hour 24 is out of range 0-23');
    expect(msg('0 0 1 13 *')).toBe('month 13 is out of range 1-12 (or JAN-DEC)');
    expect(msg('0 0 * * 8')).toBe('day-of-week 8 is out of range 0-7 (or SUN-SAT)');
    expect(msg('61 0 0 * * *')).toBe('second 61 is out of range 0-59');
    expect(msg('0 0 1-40 * *')).toBe('day-of-month 40 is out of range 1-31');
    expect(msg('0 0 */40 * *')).toBe('day-of-month step 40 is out of range 1-31');
  });
});

describe('schedule clock: DST rule', () => {
  it('Europe/Berlin spring forward: a fixed slot in the gap fires once at 03:00', () => {
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-03-28T00:00:00Z', '2026-03-30T23:00:00Z')).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist -> 03:00 CEST, the jump
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('Europe/Berlin spring forward: wildcard slots in the gap collapse into one firing at the jump', () => {
    expect(runs('*/20 * * * *', 'Europe/Berlin', '2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z')).toEqual([
      '2026-03-29T00:40:00.000Z', // 01:40 CET
      '2026-03-29T01:00:00.000Z', // 02:00, 02:20, 02:40 (skipped) and 03:00 CEST: once
      '2026-03-29T01:20:00.000Z', // 03:20 CEST
    ]);
  });

  it('Europe/Berlin fall back: a repeated hour fires once (first pass)', () => {
    expect(runs('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, not again at 02:30 CET
      '2026-10-26T01:30:00.000Z',
    ]);
    expect(runs('*/20 * * * *', 'Europe/Berlin', '2026-10-24T23:50:00Z', '2026-10-25T02:30:00Z')).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:20:00.000Z', // 02:20 CEST
      '2026-10-25T00:40:00.000Z', // 02:40 CEST; the second pass 02:00-02:59 CET fires nothing
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T02:20:00.000Z',
    ]);
  });

  it('next slot asked from inside the second pass of the repeated hour goes to the end of it', () => {
    const c = compileSpec({ cron: '* * * * * *', timezone: 'Europe/Berlin' });
    // 01:10:00Z = 02:10 CET (second pass)
    expect(new Date(c.next(at('2026-10-25T01:10:00Z'))!).toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });

  it('America/New_York: 02:30 on spring-forward day fires at 03:00 EDT; 01:30 on fall-back day fires once', () => {
    expect(runs('30 2 * * *', 'America/New_York', '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual([
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist on the 8th -> 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; not again at 01:30 EST (06:30Z)
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('Australia/Melbourne (southern hemisphere): April fall back and October spring forward', () => {
    // 2026-04-05 03:00 AEDT -> 02:00 AEST: 02:30 occurs twice -> once (AEDT, 15:30Z on the 4th).
    expect(runs('30 2 * * *', 'Australia/Melbourne', '2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
      '2026-04-04T15:30:00.000Z',
      '2026-04-05T16:30:00.000Z',
    ]);
    // 2026-10-04 02:00 AEST -> 03:00 AEDT: 02:30 does not exist -> fires at the jump (16:00Z on the 3rd).
    expect(runs('30 2 * * *', 'Australia/Melbourne', '2026-10-02T00:00:00Z', '2026-10-04T23:00:00Z')).toEqual([
      '2026-10-02T16:30:00.000Z',
      '2026-10-03T16:00:00.000Z',
      '2026-10-04T15:30:00.000Z',
    ]);
  });
});

describe('schedule clock: intervals and windows', () => {
  it('intervals are elapsed time anchored at startsAt (or the epoch), bounded by endsAt inclusively', () => {
    const c = compileSpec({
      intervalSeconds: 90,
      timezone: 'Europe/Berlin',
      startsAt: new Date('2026-03-29T00:59:00Z'),
      endsAt: new Date('2026-03-29T01:03:30Z'),
    });
    expect(iso(slotsBetween(c, at('2026-03-29T00:00:00Z'), at('2026-03-30T00:00:00Z')))).toEqual([
      '2026-03-29T00:59:00.000Z',
      '2026-03-29T01:00:30.000Z', // across the DST jump: still 90 s apart
      '2026-03-29T01:02:00.000Z',
      '2026-03-29T01:03:30.000Z',
    ]);
    const e = compileSpec({ intervalSeconds: 60, timezone: 'UTC' });
    expect(new Date(e.next(at('2026-01-01T00:00:30.5Z'))!).toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });
});

describe('schedule clock: misfire planning', () => {
  const c = compileSpec({ intervalSeconds: 60, timezone: 'UTC' });
  const next = at('2026-01-01T00:00:00Z');
  const now = at('2026-01-01T01:00:02Z'); // down for an hour: 60 slots missed, 01:00:00 on time

  it('on time: every due slot fires', () => {
    const p = planFiring(c, next, next + 1500, 'skip', 100, 5000);
    expect(iso(p.slots)).toEqual(['2026-01-01T00:00:00.000Z']);
    expect(p.catchUp).toBe(0);
    expect(new Date(p.nextRunAt!).toISOString()).toBe('2026-01-01T00:01:00.000Z');
  });

  it('skip: no catch-up, next slot in the future', () => {
    const p = planFiring(c, next, now, 'skip', 100, 5000);
    expect(iso(p.slots)).toEqual(['2026-01-01T01:00:00.000Z']);
    expect(p.catchUp).toBe(0);
    expect(new Date(p.nextRunAt!).toISOString()).toBe('2026-01-01T01:01:00.000Z');
  });

  it('run_once: one catch-up for the latest missed slot', () => {
    const p = planFiring(c, next, now, 'run_once', 100, 5000);
    expect(iso(p.slots)).toEqual(['2026-01-01T00:59:00.000Z', '2026-01-01T01:00:00.000Z']);
    expect(p.catchUp).toBe(1);
  });

  it('run_all: every missed slot up to the cap (the latest ones)', () => {
    const all = planFiring(c, next, now, 'run_all', 100, 5000);
    expect(all.catchUp).toBe(60);
    expect(iso(all.slots.slice(0, 1))).toEqual(['2026-01-01T00:00:00.000Z']);
    const capped = planFiring(c, next, now, 'run_all', 10, 5000);
    expect(capped.catchUp).toBe(10);
    expect(iso(capped.slots.slice(0, 1))).toEqual(['2026-01-01T00:50:00.000Z']);
  });

  it('a long downtime of an every-second schedule is planned without walking every slot', () => {
    const s = compileSpec({ cron: '* * * * * *', timezone: 'UTC' });
    const p = planFiring(s, at('2025-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'), 'run_all', 100, 5000);
    expect(p.catchUp).toBe(100);
    expect(p.slots.length).toBe(105);
  });

  it('an ended schedule has no next run', () => {
    const e = compileSpec({ intervalSeconds: 60, timezone: 'UTC', endsAt: new Date(next + 60_000) });
    expect(planFiring(e, next + 60_000, next + 60_500, 'skip', 1, 5000).nextRunAt).toBeNull();
  });
});
