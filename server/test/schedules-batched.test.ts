import pg from 'pg';
import { ScheduleTicker } from '../src/schedules/schedule-ticker.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { waitFor } from './helpers/http-target.js';
import { ManualClock, tickersIdle } from './helpers/manual-clock.js';
// Executions stay queued: these tests look at firing (the batched path), not running.
const ENV = { WORKERS_ENABLED: 'false', SCHEDULER_POLL_MS: '60000', SCHEDULER_BATCH_SIZE: '25' };
const EXECUTOR = '{"kind":"http","method":"GET","url":"http://127.0.0.1:9/noop"}';

/** `n` jobs named `${prefix}-1..n`, one every-second schedule each, first slot at `start`, last at `end`. */
async function everySecond(url: string, prefix: string, n: number, start: number, end: number): Promise<void> {
  await query(url, `INSERT INTO jobs (name, executor) SELECT $1 || '-' || g, $2::jsonb FROM generate_series(1, $3) g`, [
    prefix,
    EXECUTOR,
    n,
  ]);
  await query(
    url,
    `INSERT INTO schedules (job_id, name, cron, timezone, starts_at, ends_at, next_run_at)
     SELECT id, 'every-second', '* * * * * *', 'UTC', $2, $3, $2 FROM jobs WHERE name LIKE $1 || '-%'`,
    [prefix, new Date(start), new Date(end)],
  );
}

describe('batched firing (ExecutionsService.enqueueMany)', () => {
  let db: TestDatabase;
  let apps: TestApp[] = [];
  let listener: pg.Client;
  const events: { type: string; data: { id: string; status: string } }[] = [];
  let wakes = 0;
  // Time is driven by hand: one clock per replica, moved slot by slot by the test.
  const clocks = [0, 1].map(() => new ManualClock(Math.floor(Date.now() / 1000) * 1000));
  let tickers: ScheduleTicker[];
  const scheduleRuns = async () =>
    Number(
      (await query<{ n: string }>(db.url, `SELECT count(*) AS n FROM executions WHERE trigger = 'schedule'`))[0].n,
    );
  /**
   * Move both clocks to `t`, `first`'s clock first; with `solo`, wait until `runs` executions exist before
   * moving the other one (so that replica fires the slot alone), else move them together (they compete).
   */
  const advance = async (t: number, first: number, solo: boolean, runs: () => Promise<boolean>) => {
    clocks[first].advanceTo(t);
    if (solo) await waitFor(runs, 20_000, `replica ${first} to fire alone`);
    clocks[1 - first].advanceTo(t);
    await waitFor(runs, 20_000, 'the slot to fire');
    await tickersIdle(tickers);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    apps = await Promise.all(clocks.map((clock) => startTestApp(ENV, db, { clock })));
    tickers = apps.map((a) => a.app.get(ScheduleTicker));
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (msg) => {
      if (msg.channel === 'apm_exec_wake') wakes++;
      if (msg.channel !== 'apm_events') return;
      for (const [type, data] of JSON.parse(msg.payload ?? '[]') as [string, { id: string; status: string }][]) {
        events.push({ type, data });
      }
    });
    await listener.query('LISTEN apm_events; LISTEN apm_exec_wake');
  });
  afterAll(async () => {
    await listener?.end();
    for (const a of apps) await a.close();
    await db.drop();
  });

  it('2 replicas, 200 every-second schedules for 5 s: every slot fired exactly once, none missed', async () => {
    const start = clocks[0].now() + 2000;
    const end = start + 4000; // inclusive: 5 slots per schedule
    await everySecond(db.url, 'many', 200, start, end);
    await query(db.url, 'NOTIFY apm_schedules');
    await waitFor(() => clocks.every((c) => c.pending()[0] === start), 20_000, 'the tickers to aim at the first slot');
    for (let k = 0; k < 5; k++) {
      // Slots 0 and 1: one replica alone (each fires some); then both at once (SKIP LOCKED shares the rows).
      await advance(start + k * 1000, k % 2, k < 2, async () => (await scheduleRuns()) === 200 * (k + 1));
    }

    const rows = await query<{ schedule_id: string; slots: Date[]; statuses: string[] }>(
      db.url,
      `SELECT schedule_id, array_agg(scheduled_for ORDER BY scheduled_for) AS slots, array_agg(DISTINCT status) AS statuses
         FROM executions WHERE trigger = 'schedule' GROUP BY schedule_id`,
    );
    expect(rows).toHaveLength(200);
    const expected = [0, 1, 2, 3, 4].map((k) => start + k * 1000);
    for (const r of rows) {
      expect(r.slots.map((d) => d.getTime())).toEqual(expected); // each slot once, none missed
      expect(r.statuses).toEqual(['queued']);
    }
    // Every schedule ended (ends_at passed): nothing left to fire, last_run_at = the last slot.
    const [state] = await query<{ pending: string; last_ok: string }>(
      db.url,
      `SELECT count(*) FILTER (WHERE next_run_at IS NOT NULL) AS pending,
              count(*) FILTER (WHERE last_run_at = $1) AS last_ok FROM schedules`,
      [new Date(end)],
    );
    expect(state).toEqual({ pending: '0', last_ok: '200' });

    // All through the batched path, shared by both replicas.
    const tickers = apps.map((a) => a.app.get(ScheduleTicker));
    expect(tickers.reduce((n, t) => n + t.fired, 0)).toBe(1000);
    expect(tickers.reduce((n, t) => n + t.batched, 0)).toBe(1000);
    expect(tickers.filter((t) => t.batched > 0)).toHaveLength(2);

    // Workers were woken and every execution was announced (SSE events), as enqueue does.
    expect(wakes).toBeGreaterThan(0);
    const [{ ids }] = await query<{ ids: string[] }>(
      db.url,
      `SELECT array_agg(id::text ORDER BY id) AS ids FROM executions WHERE trigger = 'schedule'`,
    );
    const announced = () =>
      events.filter((e) => e.type === 'execution' && e.data.status === 'queued').map((e) => e.data.id);
    // The events arrive by NOTIFY after the commit: wait until as many ids as executions came in.
    await waitFor(() => new Set(announced()).size >= ids.length, 20_000, 'the execution events');
    expect([...new Set(announced())].sort()).toEqual([...ids].sort());
  });

  it('keeps enqueue semantics: params per slot, secrets sealed, bad params / disabled job skipped, overlap skip, fan-out', async () => {
    const jobParams = JSON.stringify([
      { name: 'slot', type: 'string', default: '{{ now }}' },
      { name: 'n', type: 'number', required: true },
      { name: 'token', type: 'string', secret: true },
    ]);
    const jobs = await query<{ id: string; name: string }>(
      db.url,
      `INSERT INTO jobs (name, executor, params, enabled, concurrency) VALUES
         ('p-ok', $1::jsonb, $2::jsonb, true, '{}'),
         ('p-off', $1::jsonb, '[]', false, '{}'),
         ('p-skip', $1::jsonb, '[]', true, '{"overlap":"skip","max":1}'),
         ('p-fan', $1::jsonb, $3::jsonb, true, '{}')
       RETURNING id, name`,
      [EXECUTOR, jobParams, JSON.stringify([{ name: 'device', type: 'string[]', fanOut: true, required: true }])],
    );
    const job = (name: string) => jobs.find((j) => j.name === name)!.id;
    const start = clocks[0].now() + 2000;
    const end = start + 2000; // 3 slots
    const schedules = await query<{ id: string; name: string }>(
      db.url,
      `INSERT INTO schedules (job_id, name, cron, timezone, params, starts_at, ends_at, next_run_at) VALUES
         ($1, 'good', '* * * * * *', 'UTC', '{"n":"5","token":"s3cret"}', $5, $6, $5),
         ($2, 'bad', '* * * * * *', 'UTC', '{"n":"five"}', $5, $6, $5),
         ($3, 'off', '* * * * * *', 'UTC', '{}', $5, $6, $5),
         ($4, 'skip', '* * * * * *', 'UTC', '{}', $5, $6, $5),
         ($7, 'fan', '* * * * * *', 'UTC', '{"device":["a","b"]}', $5, $6, $5)
       RETURNING id, name`,
      [job('p-ok'), job('p-ok'), job('p-off'), job('p-skip'), new Date(start), new Date(end), job('p-fan')],
    );
    const sid = (name: string) => schedules.find((s) => s.name === name)!.id;
    const batchedBefore = apps.reduce((n, a) => n + a.app.get(ScheduleTicker).batched, 0);
    await query(db.url, 'NOTIFY apm_schedules');
    await waitFor(() => clocks.every((c) => c.pending()[0] === start), 20_000, 'the tickers to aim at the first slot');
    // Each slot: every schedule has advanced past it (fired, skipped or dropped).
    for (let k = 0; k < 3; k++) {
      const t = start + k * 1000;
      await advance(t, k % 2, false, async () => {
        const [{ n }] = await query<{ n: string }>(
          db.url,
          `SELECT count(*) AS n FROM schedules
            WHERE id = ANY($1::uuid[]) AND (next_run_at IS NULL OR next_run_at > $2)`,
          [schedules.map((s) => s.id), new Date(t)],
        );
        return Number(n) === schedules.length;
      });
    }

    const execs = await query<{
      schedule_id: string;
      scheduled_for: Date;
      run_at: Date;
      status: string;
      params: Record<string, unknown>;
      actor: string;
      trigger_ref: string;
      job_name: string;
    }>(
      db.url,
      `SELECT schedule_id, scheduled_for, run_at, status, params, actor, trigger_ref, job_name
         FROM executions WHERE schedule_id = ANY($1::uuid[]) ORDER BY scheduled_for`,
      [schedules.map((s) => s.id)],
    );
    const of = (name: string) => execs.filter((e) => e.schedule_id === sid(name));

    // Params resolved per slot: the template default sees the slot as "now", types coerced, secret sealed.
    const good = of('good');
    expect(good.map((e) => e.scheduled_for.getTime())).toEqual([start, start + 1000, start + 2000]);
    for (const e of good) {
      expect(Date.parse(String(e.params.slot))).toBe(e.scheduled_for.getTime());
      expect(e.params.n).toBe(5);
      expect(String(e.params.token)).toMatch(/^enc:v1:/);
      expect(JSON.stringify(e.params)).not.toContain('s3cret');
      expect(e).toMatchObject({ status: 'queued', actor: 'schedule:good', trigger_ref: sid('good'), job_name: 'p-ok' });
      expect(e.run_at.getTime()).toBe(e.scheduled_for.getTime());
    }
    // Params that do not resolve: nothing queued; a disabled job: nothing queued.
    expect(of('bad')).toEqual([]);
    expect(of('off')).toEqual([]);
    // Overlap 'skip' (max 1) goes through enqueue one by one: the first slot queued, the next ones skipped.
    expect(of('skip').map((e) => e.status)).toEqual(['queued', 'skipped', 'skipped']);
    // A fan-out job also goes through enqueue: each slot is a running parent with one child per item.
    expect(of('fan').map((e) => e.status)).toEqual(['running', 'running', 'running']);
    const [children] = await query<{ n: string; items: string[] }>(
      db.url,
      `SELECT count(*) AS n, array_agg(DISTINCT c.params->>'device' ORDER BY c.params->>'device') AS items
         FROM executions c JOIN executions p ON p.id = c.parent_id
        WHERE p.schedule_id = $1 AND c.trigger = 'fanout'`,
      [sid('fan')],
    );
    expect(children).toEqual({ n: '6', items: ['a', 'b'] });

    // All four advanced past their window anyway (ended), so none of them blocks the ticker.
    const rows = await query<{ name: string; next_run_at: Date | null; last_run_at: Date | null }>(
      db.url,
      'SELECT name, next_run_at, last_run_at FROM schedules WHERE id = ANY($1::uuid[]) ORDER BY name',
      [schedules.map((s) => s.id)],
    );
    for (const r of rows) {
      expect(r.next_run_at).toBeNull();
      expect(r.last_run_at?.getTime()).toBe(end);
    }
    // Only the good schedule's slots took the batched path (bad params are dropped before it).
    const batchedAfter = apps.reduce((n, a) => n + a.app.get(ScheduleTicker).batched, 0);
    expect(batchedAfter - batchedBefore).toBe(3);
  });
});
