import { ScheduleTicker } from '../src/schedules/schedule-ticker.js';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ManualClock, tickNow, tickersIdle } from './helpers/manual-clock.js';

async function insertJob(app: TestApp, name: string): Promise<string> {
  const [row] = await query<{ id: string }>(
    app.db.url,
    `INSERT INTO jobs (name, executor) VALUES ($1, '{"kind":"http","method":"GET","url":"http://127.0.0.1:9/noop"}')
     RETURNING id`,
    [name],
  );
  return row.id;
}

const count = async (app: TestApp, sql: string, params: unknown[] = []) =>
  Number((await query<{ n: string }>(app.db.url, sql, params))[0].n);

describe('schedules API', () => {
  let app: TestApp;
  let jobId: string;
  let ticker: ScheduleTicker;
  // The ticker's and the schedule definitions' time, moved by hand (a tenth of a second past a whole second).
  const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 + 100);
  const runsOf = (id: string) => count(app, 'SELECT count(*) AS n FROM executions WHERE schedule_id = $1', [id]);
  /** Move the clock to `t`, then wait until the ticker has fired what came due (it is idle again). */
  const advanceTo = async (t: number) => {
    clock.advanceTo(t);
    await tickNow([ticker]);
    await tickersIdle([ticker]);
  };

  beforeAll(async () => {
    // Workers off: executions stay queued, the test looks at firing only.
    app = await startTestApp({ WORKERS_ENABLED: 'false', DEFAULT_TIMEZONE: 'Asia/Tokyo' }, undefined, { clock });
    ticker = app.app.get(ScheduleTicker);
    jobId = await insertJob(app, 'sched-api');
  });
  afterAll(async () => {
    await app?.close();
  });

  it('previews the next fire times in the zone, with English and Japanese descriptions', async () => {
    const en = await app.api('GET', '/api/v1/schedules/preview?cron=0%2010%20*%20*%20*&timezone=Asia/Tokyo&count=3');
    expect(en.status).toBe(200);
    expect(en.body.next).toHaveLength(3);
    for (const t of en.body.next) expect(t).toMatch(/T10:00:00\+09:00$/);
    expect(en.body.description).toContain('10:00');
    expect(en.body.description).toContain('Asia/Tokyo');

    const ja = await app.api('GET', '/api/v1/schedules/preview?cron=@hourly&locale=ja');
    expect(ja.status).toBe(200);
    expect(ja.body.timezone).toBe('Asia/Tokyo'); // DEFAULT_TIMEZONE
    expect(ja.body.description).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/);

    const every = await app.api('GET', '/api/v1/schedules/preview?interval=5m&timezone=America/New_York');
    expect(every.body.description).toBe('Every 5 minutes');
    const [a, b] = every.body.next.map((s: string) => Date.parse(s));
    expect(b - a).toBe(300_000);
    expect(every.body.next[0]).toMatch(/-0[45]:00$/);
  });

  it('rejects bad previews with the reason', async () => {
    const bad = await app.api('GET', '/api/v1/schedules/preview?cron=61%20*%20*%20*%20*');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toMatch(/minute/);
    const tz = await app.api('GET', '/api/v1/schedules/preview?cron=@daily&timezone=Mars/Olympus');
    expect(tz.status).toBe(400);
    expect(JSON.stringify(tz.body.message)).toMatch(/timezone/);
    expect((await app.api('GET', '/api/v1/schedules/preview')).status).toBe(400);
    expect((await app.api('GET', '/api/v1/schedules/preview?interval=soon')).status).toBe(400);
  });

  it('bad input -> 4xx naming the problem, and nothing written', async () => {
    const cases: [unknown, number, RegExp][] = [
      [{ job: 'sched-api', cron: 'not a cron' }, 400, /cron/],
      [{ job: 'sched-api', cron: '* * * * * * *' }, 400, /fields/],
      [{ job: 'sched-api', cron: '@reboot' }, 400, /alias/],
      [{ job: 'sched-api', cron: '* * * * *', intervalSeconds: 5 }, 400, /exactly one/],
      [{ job: 'sched-api' }, 400, /exactly one/],
      [{ job: 'sched-api', cron: '* * * * *', timezone: 'Nowhere/Land' }, 400, /timezone/],
      [{ job: 'sched-api', intervalSeconds: 0 }, 400, /intervalSeconds/],
      [{ job: 'sched-api', cron: '* * * * *', misfirePolicy: 'sometimes' }, 400, /misfirePolicy/],
      [{ job: 'sched-api', cron: '* * * * *', bogus: 1 }, 400, /bogus/],
      [
        { job: 'sched-api', cron: '* * * * *', startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' },
        400,
        /startsAt/,
      ],
      [{ job: 'no-such-job', cron: '* * * * *' }, 404, /no-such-job/],
    ];
    for (const [body, status, reason] of cases) {
      const res = await app.api('POST', '/api/v1/schedules', body);
      expect({ body, status: res.status }).toEqual({ body, status });
      expect(JSON.stringify(res.body.message)).toMatch(reason);
    }
    expect(await count(app, 'SELECT count(*) AS n FROM schedules')).toBe(0);
  });

  it('CRUD: create, read, list by job, update, delete', async () => {
    const created = await app.api('POST', '/api/v1/schedules', {
      job: 'sched-api',
      name: 'daily-tokyo',
      cron: '0 10 * * *',
      params: { date: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
    });
    expect(created.status).toBe(201);
    const s = created.body;
    expect(s).toMatchObject({
      jobId,
      jobName: 'sched-api',
      timezone: 'Asia/Tokyo',
      enabled: true,
      misfirePolicy: 'run_once',
    });
    expect(new Date(s.nextRunAt).getUTCHours()).toBe(1); // 10:00 JST
    expect(s.description).toContain('10:00');

    const dup = await app.api('POST', '/api/v1/schedules', { job: jobId, name: 'daily-tokyo', intervalSeconds: 60 });
    expect(dup.status).toBe(409);

    expect((await app.api('GET', `/api/v1/schedules/${s.id}`)).body.name).toBe('daily-tokyo');
    const byJob = await app.api('GET', '/api/v1/schedules?job=sched-api');
    expect(byJob.body.items.map((x: { id: string }) => x.id)).toEqual([s.id]);
    expect((await app.api('GET', '/api/v1/schedules?job=nope')).status).toBe(404);

    const patched = await app.api('PATCH', `/api/v1/schedules/${s.id}`, {
      intervalSeconds: 3600,
      misfirePolicy: 'skip',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ cron: null, intervalSeconds: 3600, misfirePolicy: 'skip' });
    expect(Date.parse(patched.body.nextRunAt) % 3_600_000).toBe(0);
    expect(patched.body.version).toBe(s.version + 1);

    const badPatch = await app.api('PATCH', `/api/v1/schedules/${s.id}`, { cron: '99 * * * *' });
    expect(badPatch.status).toBe(400);
    expect((await app.api('GET', `/api/v1/schedules/${s.id}`)).body.intervalSeconds).toBe(3600);

    expect((await app.api('GET', '/api/v1/schedules/not-a-uuid')).status).toBe(400);
    expect((await app.api('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(204);
    expect((await app.api('GET', `/api/v1/schedules/${s.id}`)).status).toBe(404);
    expect((await app.api('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(404);
  });

  it('editing the cron of a live schedule: the old slot does not fire, the new one does', async () => {
    // The clock is early in a second, so "+2 s" and "+4 s" are well apart from now.
    const sec = Math.floor(clock.now() / 1000);
    const oldCron = `${(sec + 4) % 60} * * * * *`;
    const newCron = `${(sec + 2) % 60} * * * * *`;
    const created = await app.api('POST', '/api/v1/schedules', { job: 'sched-api', name: 'edit-live', cron: oldCron });
    expect(created.status).toBe(201);
    const oldSlot = created.body.nextRunAt;
    expect(Date.parse(oldSlot)).toBe((sec + 4) * 1000);
    const patched = await app.api('PATCH', `/api/v1/schedules/${created.body.id}`, { cron: newCron });
    const newSlot = patched.body.nextRunAt;
    expect(Date.parse(newSlot)).toBe((sec + 2) * 1000);

    // Second by second past the old slot.
    for (let t = (sec + 1) * 1000; t <= Date.parse(oldSlot) + 1000; t += 1000) await advanceTo(t);
    const rows = await query<{ scheduled_for: Date; trigger: string }>(
      app.db.url,
      'SELECT scheduled_for, trigger FROM executions WHERE schedule_id = $1',
      [created.body.id],
    );
    expect(rows.map((r) => r.scheduled_for.toISOString())).toEqual([newSlot]);
    expect(rows[0].trigger).toBe('schedule');
    const after = (await app.api('GET', `/api/v1/schedules/${created.body.id}`)).body;
    expect(after.lastRunAt).toBe(newSlot);
    expect(Date.parse(after.nextRunAt)).toBe(Date.parse(newSlot) + 60_000);
    await app.api('DELETE', `/api/v1/schedules/${created.body.id}`);
  });

  it('pause stops firing at once, resume restarts from now; job status shows nextRun; readiness has the scheduler', async () => {
    const s = (
      await app.api('POST', '/api/v1/schedules', { job: 'sched-api', name: 'every-second', intervalSeconds: 1 })
    ).body;
    const first = Date.parse(s.nextRunAt);
    await advanceTo(first);
    await advanceTo(first + 1000);
    const paused = await app.api('POST', `/api/v1/schedules/${s.id}/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
    const firedBefore = await runsOf(s.id);
    expect(firedBefore).toBe(2);
    await advanceTo(first + 2000);
    await advanceTo(first + 3000);
    expect(await runsOf(s.id)).toBe(firedBefore);

    const resumed = await app.api('POST', `/api/v1/schedules/${s.id}/resume`);
    expect(resumed.body.enabled).toBe(true);
    expect(Date.parse(resumed.body.nextRunAt)).toBe(first + 4000);
    const status = await app.api('GET', '/api/v1/jobs/sched-api/status');
    expect(status.status).toBe(200);
    expect(Date.parse(status.body.nextRun)).toBeLessThanOrEqual(Date.parse(resumed.body.nextRunAt) + 1000);
    await advanceTo(first + 4000);
    const firedAfter = await runsOf(s.id);
    expect(firedAfter).toBe(firedBefore + 1);
    // No catch-up for the paused seconds: every slot is at most one per second since creation.
    const span = await query<{ first: Date; last: Date; n: string }>(
      app.db.url,
      'SELECT min(scheduled_for) AS first, max(scheduled_for) AS last, count(*) AS n FROM executions WHERE schedule_id = $1',
      [s.id],
    );
    expect(Number(span[0].n)).toBeLessThan((span[0].last.getTime() - span[0].first.getTime()) / 1000 + 1);

    const ready = await fetch(`${app.baseUrl}/api/health/ready`);
    const body = await ready.json();
    expect(ready.status).toBe(200);
    expect(body.info.scheduler).toMatchObject({ status: 'up', state: 'ticking', listening: true });
    await app.api('POST', `/api/v1/schedules/${s.id}/pause`);
  });

  it('preview: a day field starting with * ANDs the two day fields (Vixie cron); errors name field and range', async () => {
    // 0 0 0 */2 * MON = Mondays with an odd date (OR would add every odd date and every Monday).
    const res = await app.api('GET', '/api/v1/schedules/preview?cron=0%200%200%20*/2%20*%20MON&timezone=UTC&count=8');
    expect(res.status).toBe(200);
    expect(res.body.next).toHaveLength(8);
    for (const t of res.body.next as string[]) {
      const d = new Date(t);
      expect({ t, weekday: d.getUTCDay(), oddDate: d.getUTCDate() % 2 === 1 }).toEqual({
        t,
        weekday: 1,
        oddDate: true,
      });
    }
    // Both restricted, neither starting with *: OR (the 1st of a month, and Mondays).
    const or = await app.api('GET', '/api/v1/schedules/preview?cron=0%200%201%20*%20MON&timezone=UTC&count=10');
    const days = (or.body.next as string[]).map((t) => new Date(t));
    expect(days.some((d) => d.getUTCDay() !== 1)).toBe(true);
    expect(days.every((d) => d.getUTCDay() === 1 || d.getUTCDate() === 1)).toBe(true);

    const bad = await app.api('GET', '/api/v1/schedules/preview?cron=0%200%2032%20*%20*');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toContain('day-of-month 32 is out of range 1-31');
    const post = await app.api('POST', '/api/v1/schedules', { job: 'sched-api', cron: '0 0 * 13 *' });
    expect(post.status).toBe(400);
    expect(JSON.stringify(post.body.message)).toContain('month 13 is out of range 1-12');
  });

  it('firing: a */1 day-of-month ANDs with the day-of-week, so a schedule for another weekday fires nothing today', async () => {
    const names = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'];
    const today = new Date(clock.now()).getUTCDay(); // 0 = Sunday
    const todayName = names[(today + 6) % 7];
    const otherName = names[(today + 7) % 7]; // tomorrow's weekday
    const mk = async (name: string, cron: string) =>
      (await app.api('POST', '/api/v1/schedules', { job: 'sched-api', name, cron, timezone: 'UTC' })).body.id as string;
    const fires = await mk('and-today', `* * * */1 * ${todayName}`);
    const silent = await mk('and-other-day', `* * * */1 * ${otherName}`);
    const runs = runsOf;
    // Three seconds, one by one.
    const from = Math.floor(clock.now() / 1000) * 1000;
    for (let k = 1; k <= 3; k++) await advanceTo(from + k * 1000);
    expect(await runs(fires)).toBe(3);
    // Under OR, */1 (every day) would have fired the other schedule every second as well.
    expect(await runs(silent)).toBe(0);
    const next = (await app.api('GET', `/api/v1/schedules/${silent}`)).body.nextRunAt as string;
    expect(new Date(next).getUTCDay()).toBe((today + 1) % 7);
    for (const id of [fires, silent]) await app.api('POST', `/api/v1/schedules/${id}/pause`);
  });

  it('readiness: "disabled" is up when the ticker is off; an overdue schedule makes it down (lagging)', async () => {
    const off = await startTestApp({ SCHEDULER_ENABLED: 'false', WORKERS_ENABLED: 'false' }, app.db);
    try {
      const offReady = await (await fetch(`${off.baseUrl}/api/health/ready`)).json();
      expect(offReady.info.scheduler).toMatchObject({ status: 'up', state: 'disabled' });
    } finally {
      await off.close();
    }
    const s = (await app.api('POST', '/api/v1/schedules', { job: 'sched-api', name: 'overdue', intervalSeconds: 3600 }))
      .body;
    // Stop this app's ticker (as if it hung), then make the schedule overdue by a minute.
    await app.app.get(ScheduleTicker).onModuleDestroy();
    await query(app.db.url, "UPDATE schedules SET next_run_at = now() - interval '1 minute' WHERE id = $1", [s.id]);
    const res = await fetch(`${app.baseUrl}/api/health/ready`);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.scheduler).toMatchObject({ status: 'down', state: 'lagging', overdue: 1 });
  });
});
