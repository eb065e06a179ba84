import { ScheduleTicker } from '../src/schedules/schedule-ticker.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Executions stay queued: these tests look at firing, not running.
const ENV = { WORKERS_ENABLED: 'false' };

async function insertJob(url: string, name: string): Promise<void> {
  await query(
    url,
    `INSERT INTO jobs (name, executor) VALUES ($1, '{"kind":"http","method":"GET","url":"http://127.0.0.1:9/noop"}')`,
    [name],
  );
}

describe('schedule firing across replicas', () => {
  let db: TestDatabase;
  let apps: TestApp[] = [];
  let api: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertJob(db.url, 'tick');
    // A long safety poll: the tickers must fire by aiming their timers and by NOTIFY alone.
    const ticking = { ...ENV, SCHEDULER_POLL_MS: '60000' };
    apps = await Promise.all([startTestApp(ticking, db), startTestApp(ticking, db), startTestApp(ticking, db)]);
    // An API-only replica (no ticker): its changes reach the others only through NOTIFY.
    api = await startTestApp({ ...ENV, SCHEDULER_ENABLED: 'false' }, db);
  });
  afterAll(async () => {
    await api?.close();
    for (const a of apps) await a.close();
    await db.drop();
  });

  it('3 replicas, 20 every-second schedules for 8 s: every slot fired exactly once, none missed', async () => {
    const ids: string[] = [];
    const firstSlot = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      // Half cron with seconds, half intervals; created through different replicas.
      const body = i % 2 ? { cron: '* * * * * *' } : { intervalSeconds: 1 };
      const res = await apps[i % 3].api('POST', '/api/v1/schedules', { job: 'tick', name: `s${i}`, ...body });
      expect(res.status).toBe(201);
      ids.push(res.body.id);
      firstSlot.set(res.body.id, Date.parse(res.body.nextRunAt));
    }
    await sleep(8000);
    const stoppedAt = Date.now();
    for (const id of ids) expect((await apps[0].api('POST', `/api/v1/schedules/${id}/pause`)).status).toBe(200);

    const rows = await query<{ schedule_id: string; n: string; distinct_slots: string; first: Date; last: Date }>(
      db.url,
      `SELECT schedule_id, count(*) AS n, count(DISTINCT scheduled_for) AS distinct_slots,
              min(scheduled_for) AS first, max(scheduled_for) AS last
         FROM executions WHERE trigger = 'schedule' GROUP BY schedule_id`,
    );
    expect(rows).toHaveLength(20);
    let total = 0;
    for (const r of rows) {
      const n = Number(r.n);
      total += n;
      // Exactly once per slot…
      expect(Number(r.distinct_slots)).toBe(n);
      // …none missed: from the first slot after creation, contiguous seconds…
      expect(r.first.getTime()).toBe(firstSlot.get(r.schedule_id));
      expect(n).toBe((r.last.getTime() - r.first.getTime()) / 1000 + 1);
      // …up to the moment we paused (the last second before it at the latest).
      expect(r.last.getTime()).toBeGreaterThanOrEqual(Math.floor(stoppedAt / 1000) * 1000 - 1000);
      expect(n).toBeGreaterThanOrEqual(7);
    }
    // Every replica fired its share; together they fired each slot once.
    const fired = apps.map((a) => a.app.get(ScheduleTicker).fired);
    expect(fired.reduce((x, y) => x + y, 0)).toBe(total);
    expect(fired.filter((f) => f > 0).length).toBeGreaterThanOrEqual(2);
    // Queued within a second of the slot (a loose bound; precision is measured in bench/schedules.mjs).
    const [lag] = await query<{ max_ms: number }>(
      db.url,
      `SELECT max(extract(epoch FROM created_at - scheduled_for) * 1000)::float8 AS max_ms
         FROM executions WHERE trigger = 'schedule'`,
    );
    expect(lag.max_ms).toBeLessThan(1000);
  });

  it('changes made on a replica without a ticker reach the ticking ones at once (NOTIFY)', async () => {
    const count = async (id: string) =>
      Number(
        (await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM executions WHERE schedule_id = $1', [id]))[0].n,
      );
    const s = (await api.api('POST', '/api/v1/schedules', { job: 'tick', name: 'via-notify', intervalSeconds: 1 }))
      .body;
    await sleep(1600);
    expect(await count(s.id)).toBeGreaterThanOrEqual(1);
    expect((await api.api('POST', `/api/v1/schedules/${s.id}/pause`)).status).toBe(200);
    const before = await count(s.id);
    await sleep(1500);
    expect(await count(s.id)).toBe(before);
    expect((await api.api('POST', `/api/v1/schedules/${s.id}/resume`)).status).toBe(200);
    await sleep(1600);
    expect(await count(s.id)).toBeGreaterThan(before);
    expect((await api.api('DELETE', `/api/v1/schedules/${s.id}`)).status).toBe(204);
  });
});

describe('misfire policies after downtime', () => {
  let db: TestDatabase;
  let off: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    await insertJob(db.url, 'catchup');
    off = await startTestApp({ ...ENV, SCHEDULER_ENABLED: 'false' }, db);
  });
  afterAll(async () => {
    await off.close();
    await db.drop();
  });

  it('skip / run_once / run_all (capped) when a ticking replica comes back', async () => {
    // Hourly slots anchored 10.5 h ago: 11 slots passed (the newest 30 min ago), the next in 30 min.
    const anchor = new Date(Math.floor(Date.now() / 1000) * 1000 - 10.5 * 3_600_000);
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
    await sleep(500);
    expect(Number((await query<{ n: string }>(db.url, 'SELECT count(*) AS n FROM executions'))[0].n)).toBe(0);

    const on = await startTestApp(ENV, db);
    try {
      await sleep(1500);
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
