import { ScheduleTicker } from '../src/schedules/schedule-ticker.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { waitFor } from './helpers/http-target.js';
import { ManualClock, tickNow, tickersIdle } from './helpers/manual-clock.js';

// Executions stay queued: these tests look at firing, not running.
const ENV = { WORKERS_ENABLED: 'false' };
// Time is driven by hand (ManualClock): each replica has its own clock, moved by the test.
const POLL_MS = 60_000;

async function insertJob(url: string, name: string): Promise<void> {
  await query(
    url,
    `INSERT INTO jobs (name, executor) VALUES ($1, '{"kind":"http","method":"GET","url":"http://127.0.0.1:9/noop"}')`,
    [name],
  );
}

const countRuns = async (url: string, where = `trigger = 'schedule'`, params: unknown[] = []) =>
  Number((await query<{ n: string }>(url, `SELECT count(*) AS n FROM executions WHERE ${where}`, params))[0].n);

describe('schedule firing across replicas', () => {
  let db: TestDatabase;
  let apps: TestApp[] = [];
  let api: TestApp;
  let tickers: ScheduleTicker[];
  // Half a second past a whole second: the first every-second slot is at T0 + 500.
  const T0 = Math.floor(Date.now() / 1000) * 1000 + 500;
  // clocks[0..2]: the ticking replicas; clocks[3]: the API-only replica (computes next_run_at on create).
  const clocks = [0, 1, 2, 3].map(() => new ManualClock(T0));
  /** Move every clock to `t`, starting with `first` (the others follow in turn). */
  const advanceAll = (t: number, first = 0) => {
    for (let i = 0; i < clocks.length; i++) clocks[(first + i) % clocks.length].advanceTo(t);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertJob(db.url, 'tick');
    // A long safety poll: the tickers must fire by aiming their timers and by NOTIFY alone.
    const ticking = { ...ENV, SCHEDULER_POLL_MS: String(POLL_MS) };
    apps = await Promise.all([0, 1, 2].map((i) => startTestApp(ticking, db, { clock: clocks[i] })));
    // An API-only replica (no ticker): its changes reach the others only through NOTIFY.
    api = await startTestApp({ ...ENV, SCHEDULER_ENABLED: 'false' }, db, { clock: clocks[3] });
    tickers = apps.map((a) => a.app.get(ScheduleTicker));
  });
  afterAll(async () => {
    await api?.close();
    for (const a of apps) await a.close();
    await db.drop();
  });

  it('one LISTEN connection per server process (the ticker shares the executions listener)', async () => {
    const listening = await query<{ application_name: string; n: string }>(
      db.url,
      `SELECT application_name, count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND query ILIKE 'LISTEN%' GROUP BY application_name`,
    );
    // 4 processes' worth of servers in this test process, one LISTEN connection each, all the shared listener's.
    expect(listening).toEqual([{ application_name: 'api-manager-listen', n: '4' }]);
  });

  it('3 replicas, 20 every-second schedules for 8 slots: every slot fired exactly once, at its own time', async () => {
    const ids: string[] = [];
    const F = T0 + 500;
    for (let i = 0; i < 20; i++) {
      // Half cron with seconds, half intervals; created through different replicas.
      const body = i % 2 ? { cron: '* * * * * *' } : { intervalSeconds: 1 };
      const res = await apps[i % 3].api('POST', '/api/v1/schedules', { job: 'tick', name: `s${i}`, ...body });
      expect(res.status).toBe(201);
      expect(Date.parse(res.body.nextRunAt)).toBe(F);
      ids.push(res.body.id);
    }
    await tickersIdle(tickers);
    for (let k = 0; k < 8; k++) {
      const t = F + k * 1000;
      if (k % 2) {
        // One replica's clock reaches the slot first: it fires the slot alone; the others, reaching the
        // same time, find nothing left to fire.
        const solo = ((k - 1) / 2) % 3;
        clocks[solo].advanceTo(t);
        await waitFor(async () => (await countRuns(db.url)) === 20 * (k + 1), 20_000, `slot ${k} fired by ${solo}`);
        advanceAll(t, solo);
      } else {
        // All clocks reach the slot together: the replicas compete for the same rows (SKIP LOCKED).
        advanceAll(t, k % 3);
      }
      await waitFor(async () => (await countRuns(db.url)) === 20 * (k + 1), 20_000, `slot ${k}`);
      await tickersIdle(tickers);
      // Each slot fired when the clocks reached it (no slot later than its own time, none early).
      const [at] = await query<{ n: string; last: Date }>(
        db.url,
        `SELECT count(*) FILTER (WHERE scheduled_for = $1) AS n, max(scheduled_for) AS last
           FROM executions WHERE trigger = 'schedule'`,
        [new Date(t)],
      );
      expect({ n: Number(at.n), last: at.last.getTime() }).toEqual({ n: 20, last: t });
    }
    for (const id of ids) expect((await apps[0].api('POST', `/api/v1/schedules/${id}/pause`)).status).toBe(200);

    const rows = await query<{ schedule_id: string; slots: Date[] }>(
      db.url,
      `SELECT schedule_id, array_agg(scheduled_for ORDER BY scheduled_for) AS slots
         FROM executions WHERE trigger = 'schedule' GROUP BY schedule_id`,
    );
    expect(rows).toHaveLength(20);
    // Exactly once per slot, none missed, none early: F, F+1 s, … F+7 s for every schedule.
    const expected = [0, 1, 2, 3, 4, 5, 6, 7].map((k) => F + k * 1000);
    for (const r of rows) expect(r.slots.map((d) => d.getTime())).toEqual(expected);
    // Every replica fired its share; together they fired each slot once.
    const fired = tickers.map((t) => t.fired);
    expect(fired.reduce((x, y) => x + y, 0)).toBe(160);
    expect(fired.every((f) => f > 0)).toBe(true);
  });

  it('changes made on a replica without a ticker reach the ticking ones at once (NOTIFY)', async () => {
    const tickerClocks = clocks.slice(0, 3);
    /** Every ticker's next wake-up is at `t` (its only timer). */
    const aimedAt = (t: number, what: string) =>
      waitFor(() => tickerClocks.every((c) => c.pending().length === 1 && c.pending()[0] === t), 20_000, what);
    const T = clocks[0].now();
    // Nothing enabled: every ticker sleeps until its safety poll.
    await tickersIdle(tickers);
    await aimedAt(T + POLL_MS, 'the safety poll');

    const s = (await api.api('POST', '/api/v1/schedules', { job: 'tick', name: 'via-notify', intervalSeconds: 1 }))
      .body;
    expect(Date.parse(s.nextRunAt)).toBe(T + 1000);
    // No clock moved and no poll came due: only the NOTIFY can have re-aimed them at the new slot.
    await aimedAt(T + 1000, 'the tickers to hear of the new schedule');
    advanceAll(T + 1000);
    await waitFor(async () => (await countRuns(db.url, 'schedule_id = $1', [s.id])) === 1, 20_000, 'the first slot');
    await tickersIdle(tickers);

    expect((await api.api('POST', `/api/v1/schedules/${s.id}/pause`)).status).toBe(200);
    await aimedAt(T + 1000 + POLL_MS, 'the tickers to hear of the pause');
    advanceAll(T + 3000);
    await tickNow(tickers);
    expect(await countRuns(db.url, 'schedule_id = $1', [s.id])).toBe(1);

    const resumed = await api.api('POST', `/api/v1/schedules/${s.id}/resume`);
    expect(resumed.status).toBe(200);
    expect(Date.parse(resumed.body.nextRunAt)).toBe(T + 4000);
    await aimedAt(T + 4000, 'the tickers to hear of the resume');
    advanceAll(T + 4000);
    await waitFor(async () => (await countRuns(db.url, 'schedule_id = $1', [s.id])) === 2, 20_000, 'the next slot');
    const slots = await query<{ t: Date }>(
      db.url,
      'SELECT scheduled_for AS t FROM executions WHERE schedule_id = $1 ORDER BY 1',
      [s.id],
    );
    // No catch-up for the paused seconds.
    expect(slots.map((r) => r.t.getTime())).toEqual([T + 1000, T + 4000]);
    expect((await api.api('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(204);
  });
});

describe('misfire policies after downtime', () => {
  let db: TestDatabase;
  let off: TestApp;
  const now = Math.floor(Date.now() / 1000) * 1000;

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertJob(db.url, 'catchup');
    off = await startTestApp({ ...ENV, SCHEDULER_ENABLED: 'false' }, db, { clock: new ManualClock(now) });
  });
  afterAll(async () => {
    await off.close();
    await db.drop();
  });

  it('skip / run_once / run_all (capped) when a ticking replica comes back', async () => {
    // Hourly slots anchored 10.5 h ago: 11 slots passed (the newest 30 min ago), the next in 30 min.
    const anchor = new Date(now - 10.5 * 3_600_000);
    const policies = [
      ['skip', 100],
      ['run_once', 100],
      ['run_all', 5],
      ['run_all', 100],
    ] as const;
    const ids: string[] = [];
    for (const [policy, cap] of policies) {
      const res = await off.api('POST', '/api/v1/schedules', {
        job: 'catchup',
        name: `${policy}-${cap}`,
        intervalSeconds: 3600,
        startsAt: anchor.toISOString(),
        misfirePolicy: policy,
        misfireCap: cap,
      });
      expect(res.status).toBe(201);
      expect(Date.parse(res.body.nextRunAt)).toBe(anchor.getTime() + 11 * 3_600_000);
      ids.push(res.body.id);
    }
    // Simulate the downtime: nothing fired since the anchor.
    await query(db.url, 'UPDATE schedules SET next_run_at = starts_at');
    // The replica without a ticker never ticks.
    expect(off.app.get(ScheduleTicker).ticks).toBe(0);
    expect(await countRuns(db.url, 'true')).toBe(0);

    const on = await startTestApp(ENV, db, { clock: new ManualClock(now) });
    try {
      // Its first tick (at start) fires what the downtime missed, by policy.
      const ticker = on.app.get(ScheduleTicker);
      await waitFor(() => ticker.ticks > 0 && ticker.idle, 20_000, 'the first tick');
      const slotsOf = async (id: string) =>
        (
          await query<{ h: number }>(
            db.url,
            `SELECT (extract(epoch FROM scheduled_for - $2::timestamptz) / 3600)::int AS h
               FROM executions WHERE schedule_id = $1 ORDER BY scheduled_for`,
            [id, anchor.toISOString()],
          )
        ).map((r) => r.h);
      expect(await slotsOf(ids[0])).toEqual([]);
      expect(await slotsOf(ids[1])).toEqual([10]);
      expect(await slotsOf(ids[2])).toEqual([6, 7, 8, 9, 10]);
      expect(await slotsOf(ids[3])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      for (const id of ids) {
        const s = (await on.api('GET', `/api/v1/schedules/${id}`)).body;
        expect(Date.parse(s.nextRunAt)).toBe(anchor.getTime() + 11 * 3_600_000);
      }
      const [row] = await query<{ ref: string; trig: string }>(
        db.url,
        'SELECT trigger_ref AS ref, trigger AS trig FROM executions WHERE schedule_id = $1',
        [ids[1]],
      );
      expect(row).toEqual({ ref: ids[1], trig: 'schedule' });
    } finally {
      await on.close();
    }
  });
});
