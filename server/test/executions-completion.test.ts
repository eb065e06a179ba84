import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { CompletionWriter, type Completion } from '../src/executions/completion-writer.service.js';
import { poolOf } from '../src/executions/sql.js';
import { WorkerService } from '../src/executions/worker.service.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';

/** A TCP proxy to Postgres that can be cut: open connections are destroyed and new ones closed at once. */
async function startCuttableProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  const sockets = new Set<net.Socket>();
  let down = false;
  let refused = 0;
  const server = net.createServer((client) => {
    if (down) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port || 5432), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  return {
    url: url.toString(),
    refused: () => refused,
    cut() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Found by `npm run chaos -- crash`: under load a batched result write deadlocked with another
// statement locking the same execution rows in another order; the runner dropped the result, the
// row stayed `running` until its lease expired and the reaper ran it again (a second call).
describe('completion writer', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ LOG_LEVEL: 'error', WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' });
  });

  afterAll(async () => {
    await app?.close();
    await app?.db.drop();
  });

  async function running(n: number): Promise<string[]> {
    const [job] = await query<{ id: string }>(
      app.db.url,
      `INSERT INTO jobs (name, executor) VALUES ('dl-' || md5(random()::text), '{"kind":"http","url":"http://127.0.0.1:1/"}')
       RETURNING id`,
    );
    const rows = await query<{ id: string }>(
      app.db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, started_at, lease_owner, lease_until)
       SELECT $1, 'dl', 'api', 'running', now(), now(), 'owner-1', now() + interval '1 minute'
         FROM generate_series(1, $2) RETURNING id`,
      [job.id, n],
    );
    return rows.map((r) => r.id).sort();
  }

  const completion = (id: string): Completion => ({
    id,
    owner: 'owner-1',
    retry: false,
    delayMs: 0,
    status: 'succeeded',
    request: null,
    response: { status: 200 },
    error: null,
    entry: { attempt: 1, status: 'succeeded', httpStatus: 200 },
    levels: ['info'],
    messages: ['done'],
  });

  it('writes a batch that was chosen as a deadlock victim again instead of dropping the results', async () => {
    const [z, a, b] = await running(3);
    const writer = app.app.get(CompletionWriter);
    const tx1 = new pg.Client({ connectionString: app.db.url });
    const tx2 = new pg.Client({ connectionString: app.db.url });
    await tx1.connect();
    await tx2.connect();
    try {
      // tx1 holds Z so that the writer's first batch waits and A and B are written together next.
      await tx1.query('BEGIN');
      await tx1.query('SELECT 1 FROM executions WHERE id = $1 FOR UPDATE', [z]);
      await tx2.query('BEGIN');
      await tx2.query('SELECT 1 FROM executions WHERE id = $1 FOR UPDATE', [b]);
      const first = writer.write(completion(z));
      const waiting = async () =>
        Number(
          (
            await query<{ n: number }>(
              app.db.url,
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%jsonb_to_recordset%'`,
            )
          )[0].n,
        ) > 0;
      await waitFor(waiting, 10_000);
      const results = Promise.allSettled([writer.write(completion(a)), writer.write(completion(b))]);
      await tx1.query('ROLLBACK');
      await first;
      // The batch [A, B] has locked A and waits for B (tx2); tx2 now asks for A: a deadlock, and the
      // writer (waiting longer, so it checks first) is the victim.
      await waitFor(waiting, 10_000);
      await tx2.query('SELECT 1 FROM executions WHERE id = $1 FOR UPDATE', [a]);
      await tx2.query('COMMIT');
      const settled = await results;
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled']);
      expect(settled.map((s) => (s.status === 'fulfilled' ? s.value?.status : null))).toEqual([
        'succeeded',
        'succeeded',
      ]);
      const rows = await query<{ status: string; lease_owner: string | null }>(
        app.db.url,
        'SELECT status, lease_owner FROM executions WHERE id = ANY($1::uuid[])',
        [[a, b]],
      );
      expect(rows).toEqual([
        { status: 'succeeded', lease_owner: null },
        { status: 'succeeded', lease_owner: null },
      ]);
    } finally {
      await tx1.end();
      await tx2.end();
    }
  });
});

// Found by `npm run chaos -- outage`: results of calls that finished while Postgres was down were
// dropped ("crashed the runner"), the rows stayed running until their lease expired and the reaper
// ran them a second time.
describe('completion writer during a database outage', () => {
  let db: TestDatabase;
  let proxy: Awaited<ReturnType<typeof startCuttableProxy>>;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    proxy = await startCuttableProxy(db.url);
    app = await startTestApp(
      { LOG_LEVEL: 'error', WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false', LEASE_MS: '30000' },
      { ...db, url: proxy.url },
    );
  });

  afterAll(async () => {
    proxy?.restore();
    await app?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('writes a result once the database is reachable again, exactly once', async () => {
    const [job] = await query<{ id: string }>(
      db.url,
      `INSERT INTO jobs (name, executor) VALUES ('outage', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
    );
    const [row] = await query<{ id: string }>(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, run_at, started_at, lease_owner, lease_until)
       VALUES ($1, 'outage', 'api', 'running', now(), now(), 'owner-1', now() + interval '1 minute') RETURNING id`,
      [job.id],
    );
    proxy.cut();
    const written = app.app.get(CompletionWriter).write({
      id: row.id,
      owner: 'owner-1',
      retry: false,
      delayMs: 0,
      status: 'succeeded',
      request: null,
      response: { status: 200 },
      error: null,
      entry: { attempt: 1, status: 'succeeded', httpStatus: 200 },
      levels: ['info'],
      messages: ['done'],
    });
    const outcome = written.then(
      (w) => ({ ok: true as const, w }),
      (err: Error) => ({ ok: false as const, err }),
    );
    // The writer has tried (and been refused) at least twice while the database was unreachable.
    await waitFor(() => proxy.refused() >= 2, 15_000, 'connection attempts while cut');
    proxy.restore();
    const result = await outcome;
    expect(result.ok ? result.w?.status : (result as { err: Error }).err.message).toBe('succeeded');
    const rows = await query<{ status: string; attempts: unknown[]; lease_owner: string | null }>(
      db.url,
      'SELECT status, attempts, lease_owner FROM executions WHERE id = $1',
      [row.id],
    );
    expect(rows).toEqual([
      { status: 'succeeded', attempts: [expect.objectContaining({ attempt: 1 })], lease_owner: null },
    ]);
  });

  it('answers 503 with Retry-After, not 500, while the database cannot be reached, and 2xx again after', async () => {
    proxy.cut();
    try {
      for (const [method, path, body] of [
        ['GET', '/api/v1/jobs', undefined],
        ['GET', '/api/v1/executions', undefined],
        ['POST', '/api/v1/jobs', { name: 'during-outage', executor: { kind: 'http', url: 'http://127.0.0.1:1/' } }],
      ] as const) {
        const res = await fetch(app.baseUrl + path, {
          method,
          headers: { ...app.authHeaders, ...(body ? { 'content-type': 'application/json' } : {}) },
          body: body ? JSON.stringify(body) : undefined,
        });
        expect({ path, status: res.status, retryAfter: res.headers.get('retry-after') }).toEqual({
          path,
          status: 503,
          retryAfter: '5',
        });
        expect((await res.json()).message).toBe('The database is unavailable; try again shortly');
      }
    } finally {
      proxy.restore();
    }
    expect((await app.api('GET', '/api/v1/jobs')).status).toBe(200);
  });
});

// Found by `npm run chaos -- rollout`: rows claimed while SIGTERM arrived were started after the
// drain had taken its list, then released back to the queue mid-call: the target got the same
// Idempotency-Key twice (or, with nothing else running, they were left leased until the reaper).
describe('shutdown while a claim is in flight', () => {
  it('gives the claimed rows back untouched: nothing is sent, the row is queued again (same attempt)', async () => {
    const target = await startHttpTarget();
    const db = await createTestDatabase();
    const app = await startTestApp({ LOG_LEVEL: 'error', SCHEDULER_ENABLED: 'false', WORKER_POLL_MS: '100' }, db);
    const lock = new pg.Client({ connectionString: app.db.url });
    lock.on('error', () => undefined);
    await lock.connect();
    let closed = false;
    try {
      const job = await app.api('POST', '/api/v1/jobs', {
        name: 'late-claim',
        executor: { kind: 'http', method: 'POST', url: `${target.url}/late` },
      });
      expect(job.status).toBe(201);
      // The row and a table lock in one transaction: the worker's claim waits on the lock, so it
      // is in flight when the app closes, and sees the row once the lock is gone.
      await lock.query('BEGIN');
      await lock.query(
        `INSERT INTO executions (job_id, job_name, trigger, status, run_at) VALUES ($1, 'late-claim', 'api', 'queued', now())`,
        [job.body.id],
      );
      await lock.query('LOCK TABLE executions IN EXCLUSIVE MODE');
      await waitFor(
        async () =>
          (
            await query<{ n: number }>(
              app.db.url,
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%json_agg(upd)%'`,
            )
          )[0].n > 0,
        10_000,
        'a claim waiting on the lock',
      );
      const closing = app.close().then(() => (closed = true));
      const worker = app.app.get(WorkerService) as unknown as { stopping: boolean };
      await waitFor(() => worker.stopping, 10_000, 'the worker stopping');
      await lock.query('COMMIT');
      await closing;
      const rows = await query<{ status: string; attempt: number; lease_owner: string | null }>(
        app.db.url,
        `SELECT status, attempt, lease_owner FROM executions WHERE job_name = 'late-claim'`,
      );
      expect(rows).toEqual([{ status: 'queued', attempt: 1, lease_owner: null }]);
      expect(target.hits('/late')).toHaveLength(0);
    } finally {
      await lock.end();
      if (!closed) await app.close().catch(() => undefined);
      await db.drop();
      await target.close();
    }
  });
});

// Found by `npm run chaos -- outage`: a replica exited ("Unhandled 'error' event", 57P01) when Postgres
// stopped while one of its pool clients was checked out between two statements.
describe('a pool client whose connection is dropped while checked out', () => {
  it('does not crash the process; its next query fails and the pool goes on with a new client', async () => {
    const app = await startTestApp({ LOG_LEVEL: 'error', WORKERS_ENABLED: 'false', SCHEDULER_ENABLED: 'false' });
    try {
      const ds = app.app.get(DataSource);
      // A client checked out of the pool between two statements (as inTransaction does).
      const client = await poolOf(ds).connect();
      await client.query('BEGIN');
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // pg emits the client's 'end' right after its 'error': waiting for 'end' adds no 'error' listener.
      const ended = new Promise((r) => client.once('end', r));
      await query(app.db.url, 'SELECT pg_terminate_backend($1)', [rows[0].pid]);
      // Without a listener the 'error' event is thrown (the test fails with it); wait for it to arrive.
      await ended;
      await expect(client.query('SELECT 1')).rejects.toThrow();
      client.release(true);
      expect(await ds.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await app.close();
    }
  });
});
