import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CLAIM_CANDIDATES_SQL } from '../src/executions/queue.service.js';
import { RetentionService } from '../src/executions/retention.service.js';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';
import { planNodes, type PlanNode } from './helpers/sql-capture.js';
import type { ExecutionAttempt } from '@api-manager/contracts';

let target: HttpTarget;
const env = { LOG_LEVEL: 'error', WORKER_POLL_MS: '100', LEASE_MS: '1000' };

beforeAll(async () => {
  target = await startHttpTarget();
});

afterAll(async () => {
  await target?.close();
});

// Several apps share one database here: the shared helper, made for the app at hand.
const createJob = (app: TestApp, def: Record<string, unknown>) =>
  runHelpers(() => app).createJob(def) as Promise<{ id: string; name: string }>;

describe('claim plan', () => {
  it('is an Index Scan on executions_claim_idx on a never-analyzed table (empty and with 40k rows)', async () => {
    const db = await createTestDatabase();
    try {
      await query(db.url, 'ALTER TABLE executions SET (autovacuum_enabled = false)');
      const explain = async () => {
        const rows = await query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
          db.url,
          `EXPLAIN (FORMAT JSON) ${CLAIM_CANDIDATES_SQL}`,
          [10, [], []],
        );
        return planNodes(rows[0]['QUERY PLAN'][0].Plan);
      };
      const check = (nodes: PlanNode[]) => {
        expect(nodes.some((n) => n['Node Type'] === 'Index Scan' && n['Index Name'] === 'executions_claim_idx')).toBe(
          true,
        );
        expect(nodes.some((n) => String(n['Node Type']).includes('Seq Scan'))).toBe(false);
        expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
      };
      check(await explain());
      const [job] = await query<{ id: string }>(
        db.url,
        `INSERT INTO jobs (name, executor) VALUES ('plan', '{"kind":"http","url":"http://127.0.0.1:1/"}') RETURNING id`,
      );
      await query(
        db.url,
        `INSERT INTO executions (job_id, job_name, trigger, status, run_at, finished_at)
         SELECT $1, 'plan', 'api', CASE WHEN g % 2 = 0 THEN 'queued' ELSE 'succeeded' END,
                now() - g * interval '1 second', CASE WHEN g % 2 = 0 THEN NULL ELSE now() END
           FROM generate_series(1, 40000) g`,
        [job.id],
      );
      const [stats] = await query<{ n: number; analyzed: Date | null }>(
        db.url,
        `SELECT (SELECT count(*)::int FROM pg_stats WHERE tablename = 'executions') AS n,
                (SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'executions') AS analyzed`,
      );
      expect(stats.n).toBe(0);
      expect(stats.analyzed).toBeNull();
      check(await explain());
    } finally {
      await db.drop();
    }
  });
});

describe('workers across replicas', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startTestApp({ ...env, WORKER_CONCURRENCY: '8' }, db);
    b = await startTestApp({ ...env, WORKER_CONCURRENCY: '8' }, db);
  });

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('two app instances on one database never run the same execution', async () => {
    target.on('/once', (_req, res) => void setTimeout(() => res.end('ok'), 5));
    const job = await createJob(a, { name: 'once', executor: { kind: 'http', url: `${target.url}/once` } });
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger) SELECT $1, 'once', 'api' FROM generate_series(1, 300)`,
      [job.id],
    );
    await query(db.url, `NOTIFY apm_exec_wake`);
    // (the statuses are what a timeout reports: e.g. runs 'lost' to an expired lease on a busy machine)
    const statuses = async () =>
      Object.fromEntries(
        (
          await query<{ status: string; n: number }>(
            db.url,
            `SELECT status, count(*)::int AS n FROM executions WHERE job_name = 'once' GROUP BY status`,
          )
        ).map((r) => [r.status, r.n]),
      );
    let seen: Record<string, number> = {};
    await waitFor(async () => (seen = await statuses()).succeeded === 300, 30_000, 'all 300 to succeed').catch(
      (err: Error) => {
        throw new Error(`${err.message}; statuses: ${JSON.stringify(seen)}`);
      },
    );
    const keys = target.hits('/once').map((h) => String(h.headers['idempotency-key']));
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
    expect(target.hits('/once').every((h) => h.headers['x-attempt'] === '1')).toBe(true);
  });

  it('per-job max is respected across replicas', async () => {
    let now = 0;
    let max = 0;
    target.on('/limited2', (_req, res) => {
      now++;
      max = Math.max(max, now);
      setTimeout(() => {
        now--;
        res.end('ok');
      }, 30);
    });
    const job = await createJob(a, {
      name: 'limited2',
      executor: { kind: 'http', url: `${target.url}/limited2` },
      concurrency: { max: 2, overlap: 'queue' },
    });
    await query(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger) SELECT $1, 'limited2', 'api' FROM generate_series(1, 30)`,
      [job.id],
    );
    await query(db.url, `NOTIFY apm_exec_wake`);
    await waitFor(
      async () =>
        (
          await query<{ n: number }>(
            db.url,
            `SELECT count(*)::int AS n FROM executions WHERE job_name = 'limited2' AND status = 'succeeded'`,
          )
        )[0].n === 30,
      30_000,
      'all 30 to succeed',
    );
    expect(max).toBe(2);
  });

  it('an expired lease (dead worker) becomes attempt 2, or lost when attempts are used up; never stays running', async () => {
    const job = await createJob(a, { name: 'orphan', executor: { kind: 'http', url: `${target.url}/orphan` } });
    const rows = await query<{ id: string; max_attempts: number }>(
      db.url,
      `INSERT INTO executions (job_id, job_name, trigger, status, attempt, max_attempts, started_at, lease_owner, lease_until)
       VALUES ($1, 'orphan', 'api', 'running', 1, 2, now() - interval '1 minute', 'dead-host:1:x', now() - interval '5 seconds'),
              ($1, 'orphan', 'api', 'running', 1, 1, now() - interval '1 minute', 'dead-host:1:x', now() - interval '5 seconds')
       RETURNING id, max_attempts`,
      [job.id],
    );
    const retried = rows.find((r) => r.max_attempts === 2)!.id;
    const lost = rows.find((r) => r.max_attempts === 1)!.id;
    const final = await waitFor(
      async () => {
        const r = await query<{ id: string; status: string; attempt: number; attempts: ExecutionAttempt[] }>(
          db.url,
          'SELECT id, status, attempt, attempts FROM executions WHERE id = ANY($1)',
          [[retried, lost]],
        );
        return r.every((x) => ['succeeded', 'lost'].includes(x.status)) ? r : null;
      },
      10_000,
      'reaper',
    );
    const r2 = final.find((x) => x.id === retried)!;
    expect(r2.status).toBe('succeeded');
    expect(r2.attempt).toBe(2);
    expect(r2.attempts.map((x) => x.status)).toEqual(['lost', 'succeeded']);
    // The re-run after the lost lease carries the execution's one key; only X-Attempt moves on.
    expect(target.hits('/orphan').map((h) => [h.headers['idempotency-key'], h.headers['x-attempt']])).toEqual([
      [retried, '2'],
    ]);
    const r1 = final.find((x) => x.id === lost)!;
    expect(r1.status).toBe('lost');
    expect(r1.attempts).toHaveLength(1);
  });

  it('cancel reaches the in-flight call on whichever replica runs it', async () => {
    target.on('/forever', () => undefined);
    await createJob(a, { name: 'forever', executor: { kind: 'http', url: `${target.url}/forever`, timeoutMs: 60000 } });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await a.api('POST', '/api/v1/jobs/forever/runs', {})).body.execution.id);
    await waitFor(() => target.hits('/forever').length === 4, 5000, 'all four in flight');
    // cancel all through replica b, whichever replica holds them (NOTIFY on the cancel channel)
    for (const id of ids) expect((await b.api('POST', `/api/v1/executions/${id}/cancel`)).status).toBe(200);
    const rows = await waitFor(
      async () => {
        const r = await query<{ status: string }>(db.url, 'SELECT status FROM executions WHERE id = ANY($1)', [ids]);
        return r.every((x) => x.status === 'cancelled') ? r : null;
      },
      5000,
      'all cancelled',
    );
    expect(rows).toHaveLength(4);
  });

  it('renews the lease of a run longer than LEASE_MS (not reaped, one attempt)', async () => {
    target.on('/long', (_req, res) => void setTimeout(() => res.end('ok'), 2500));
    await createJob(a, {
      name: 'long',
      executor: { kind: 'http', url: `${target.url}/long` },
      retry: { maxAttempts: 3 },
    });
    const res = await a.api('POST', '/api/v1/jobs/long/runs', {});
    const id = res.body.execution.id;
    const row = await waitFor(
      async () =>
        (
          await query<{ status: string; attempt: number }>(
            db.url,
            `SELECT * FROM executions WHERE id = $1 AND status NOT IN ('queued','running')`,
            [id],
          )
        )[0],
      15_000,
      'long run',
    );
    expect(row.status).toBe('succeeded');
    expect(row.attempt).toBe(1);
    expect(target.hits('/long')).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('SIGTERM (app.close) lets short runs finish, releases the rest, and another instance completes them', async () => {
    const db = await createTestDatabase();
    let hold = true;
    target.on('/quick', (_req, res) => void setTimeout(() => res.end('ok'), 200));
    target.on('/stuck', (_req, res) => {
      const answer = () => (hold ? setTimeout(answer, 50) : res.end('ok'));
      answer();
    });
    const a = await startTestApp({ ...env, LEASE_MS: '30000', SHUTDOWN_GRACE_MS: '800', WORKER_CONCURRENCY: '4' }, db);
    try {
      await createJob(a, { name: 'quick', executor: { kind: 'http', url: `${target.url}/quick` } });
      await createJob(a, { name: 'stuck', executor: { kind: 'http', url: `${target.url}/stuck` } });
      const q = (await a.api('POST', '/api/v1/jobs/quick/runs', {})).body.execution.id;
      const s = (await a.api('POST', '/api/v1/jobs/stuck/runs', {})).body.execution.id;
      await waitFor(
        () => target.hits('/stuck').length === 1 && target.hits('/quick').length === 1,
        5000,
        'both running',
      );
      await a.close();
      const after = await query<{ id: string; status: string; attempt: number; lease_owner: string | null }>(
        db.url,
        'SELECT id, status, attempt, lease_owner FROM executions WHERE id = ANY($1)',
        [[q, s]],
      );
      expect(after.find((r) => r.id === q)!.status).toBe('succeeded');
      expect(after.find((r) => r.id === s)).toMatchObject({ status: 'queued', attempt: 1, lease_owner: null });
      hold = false;
      const b = await startTestApp({ ...env }, db);
      try {
        await waitFor(
          async () =>
            (await query<{ status: string }>(db.url, `SELECT status FROM executions WHERE id = $1`, [s]))[0]!.status ===
            'succeeded',
          10_000,
          'released run to complete elsewhere',
        );
      } finally {
        await b.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('WORKERS_ENABLED=false runs nothing and reports it in readiness', async () => {
    const app = await startTestApp({ ...env, WORKERS_ENABLED: 'false' });
    try {
      await createJob(app, { name: 'idle', executor: { kind: 'http', url: `${target.url}/idle` } });
      const id = (await app.api('POST', '/api/v1/jobs/idle/runs', {})).body.execution.id;
      await new Promise((r) => setTimeout(r, 500));
      expect((await app.api('GET', `/api/v1/executions/${id}`)).body.status).toBe('queued');
      const ready = await app.api('GET', '/api/health/ready', undefined, {});
      expect(JSON.stringify(ready.body)).toContain('"workers"');
    } finally {
      await app.close();
    }
  });
});

describe('retention', () => {
  it('prunes finished executions older than RETENTION_DAYS in batches, keeps recent and unfinished ones', async () => {
    const app = await startTestApp({ ...env, WORKERS_ENABLED: 'false', RETENTION_DAYS: '30' });
    try {
      const job = await createJob(app, { name: 'old', executor: { kind: 'http', url: `${target.url}/old` } });
      await query(
        app.db.url,
        `INSERT INTO executions (job_id, job_name, trigger, status, created_at)
         SELECT $1, 'old', 'api', 'succeeded', now() - interval '40 days' FROM generate_series(1, 2500)`,
        [job.id],
      );
      await query(
        app.db.url,
        `INSERT INTO executions (job_id, job_name, trigger, status, created_at) VALUES
           ($1, 'old', 'api', 'succeeded', now() - interval '10 days'),
           ($1, 'old', 'api', 'queued', now() - interval '40 days')`,
        [job.id],
      );
      const deleted = await app.app.get(RetentionService).prune();
      expect(deleted).toBe(2500);
      const left = await query<{ status: string }>(
        app.db.url,
        `SELECT status FROM executions WHERE job_name = 'old' ORDER BY status`,
      );
      expect(left.map((r) => r.status)).toEqual(['queued', 'succeeded']);
    } finally {
      await app.close();
    }
  });
});
