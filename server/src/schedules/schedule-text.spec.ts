import { describeSchedule, isoInZone, parseInterval } from './schedule-text.js';

describe('schedule text', () => {
  it('formats instants as ISO 8601 with the zone offset', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(isoInZone(t, 'Asia/Tokyo')).toBe('2026-01-01T09:00:00+09:00');
    expect(isoInZone(t, 'America/New_York')).toBe('2025-12-31T19:00:00-05:00');
    expect(isoInZone(t, 'Asia/Kolkata')).toBe('2026-01-01T05:30:00+05:30');
    expect(isoInZone(t, 'UTC')).toBe('2026-01-01T00:00:00+00:00');
    expect(Date.parse(isoInZone(t + 1234, 'Australia/Melbourne'))).toBe(t + 1000);
  });

  it('parses intervals with units', () => {
    expect(parseInterval('90')).toBe(90);
    expect(parseInterval('90s')).toBe(90);
    expect(parseInterval('5m')).toBe(300);
    expect(parseInterval('2h')).toBe(7200);
    expect(parseInterval('1d')).toBe(86400);
    expect(parseInterval('soon')).toBeNull();
    expect(parseInterval('-5m')).toBeNull();
  });

  it('describes cron and intervals in English and Japanese', () => {
    expect(describeSchedule({ expression: '0 10 * * *', timezone: 'Asia/Tokyo' })).toBe('At 10:00 (Asia/Tokyo)');
    expect(describeSchedule({ expression: '*/5 * * * * *', timezone: 'UTC' }, 'ja')).toContain('5 秒ごと');
    expect(describeSchedule({ expression: null, intervalSeconds: 7200, timezone: 'UTC' })).toBe('Every 2 hours');
    expect(describeSchedule({ expression: null, intervalSeconds: 60, timezone: 'UTC' })).toBe('Every minute');
    expect(describeSchedule({ expression: null, intervalSeconds: 90, timezone: 'UTC' }, 'ja')).toBe('90 秒ごと');
  });
});
