import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, query } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

/**
 * Guarantee 5, path by path: secrets given in schedules, chain steps and triggers are sealed at rest and
 * masked; what a chain renders from a secret is secret in the child; echoed encodings are masked; secret
 * headers do not cross to another origin on a redirect; a secret fan-out param stays sealed per child.
 */
let app: TestApp;
let target: HttpTarget;
let other: HttpTarget;

async function ok(method: string, path: string, body?: unknown) {
  const res = await app.api(method, path, body);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

const { finished } = runHelpers(() => app, 15_000);

/** Every text/jsonb value of a table, as text. */
async function tableText(table: string): Promise<string> {
  const rows = await query(app.db.url, `SELECT to_jsonb(t)::text AS v FROM ${table} t`);
  return rows.map((r) => String(r.v)).join('\n');
}

beforeAll(async () => {
  app = await startTestApp({ WORKER_POLL_MS: '100' });
  target = await startHttpTarget();
  other = await startHttpTarget();
});

afterAll(async () => {
  await app?.close();
  await target?.close();
  await other?.close();
});

describe('secrecy follows the value', () => {
  it('seals a secret given in a schedule (plain for a secret param, or {secret: true, value}) and masks it', async () => {
    await ok('POST', '/api/v1/jobs', {
      name: 'sched-secret',
      executor: { kind: 'http', url: `${target.url}/ok`, query: { t: '{{ params.tok }}', n: '{{ params.note }}' } },
      params: [
        { name: 'tok', type: 'string', secret: true },
        { name: 'note', type: 'string' },
      ],
    });
    const s = await ok('POST', '/api/v1/schedules', {
      job: 'sched-secret',
      cron: '0 0 3 * * *',
      params: { tok: 'sched-tok-8a1f', note: { secret: true, value: 'sched-note-3b2c' } },
    });
    expect(s.params).toEqual({ tok: { secret: true, set: true }, note: { secret: true, set: true } });
    expect((await ok('GET', `/api/v1/schedules/${s.id}`)).params.tok).toEqual({ secret: true, set: true });
    const rows = await tableText('schedules');
    expect(rows).toContain('enc:v1:');
    for (const v of ['sched-tok-8a1f', 'sched-note-3b2c']) expect(rows).not.toContain(v);
    const exported = String((await app.api('GET', '/api/v1/config/export')).body);
    expect(exported).not.toContain('sched-tok-8a1f');
    expect(exported).not.toContain('sched-note-3b2c');
    // {secret: true} keeps the stored value; the fired run gets the plain values.
    await ok('PATCH', `/api/v1/schedules/${s.id}`, { params: { tok: { secret: true }, note: { secret: true } } });
    const [row] = await query<{ params: Record<string, { value?: string }> }>(
      app.db.url,
      'SELECT params FROM schedules WHERE id = $1',
      [s.id],
    );
    expect(row!.params.tok!.value).toMatch(/^enc:v1:/);
    await query(app.db.url, `UPDATE schedules SET next_run_at = now() - interval '1 second' WHERE id = $1`, [s.id]);
    const hit = await waitFor(() => target.hits('/ok').find((h) => h.url.includes('sched-tok-8a1f')), 15_000, 'fire');
    expect(hit.url).toContain('n=sched-note-3b2c');
  });

  it('seals secrets in chain steps and triggers, and a chain renders a secret into the child as a secret', async () => {
    target.on('/echo', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ url: req.url, x: req.headers['x-from'] ?? null }));
    });
    await ok('POST', '/api/v1/jobs', {
      name: 'child-of-secret',
      executor: {
        kind: 'http',
        url: `${target.url}/echo`,
        query: { from: '{{ params.fromParent }}' },
        headers: { 'X-From': '{{ params.fromParent }}' },
      },
      params: [
        { name: 'fromParent', type: 'string' },
        { name: 'ctok', type: 'string', secret: true },
        { name: 'note', type: 'string' },
      ],
    });
    const parent = await ok('POST', '/api/v1/jobs', {
      name: 'parent-of-secret',
      executor: { kind: 'http', url: `${target.url}/ok`, query: { t: '{{ params.tok }}' } },
      params: [{ name: 'tok', type: 'string', secret: true }],
      onSuccess: [
        {
          job: 'child-of-secret',
          params: {
            fromParent: 'Bearer {{ parent.params.tok | upcase }}',
            ctok: 'step-ctok-5d4e',
            note: { secret: true, value: 'step-note-6f7a' },
          },
        },
      ],
      triggers: {
        github: [
          { repository: 'org/repo', params: { tok: 'trig-tok-9b8c', note: { secret: true, value: 'x-trig-1a2b' } } },
        ],
      },
    });
    expect(parent.onSuccess[0].params).toEqual({
      fromParent: 'Bearer {{ parent.params.tok | upcase }}',
      ctok: { secret: true, set: true },
      note: { secret: true, set: true },
    });
    expect(parent.triggers.github[0].params.tok).toEqual({ secret: true, set: true });
    const jobsRows = await tableText('jobs');
    for (const v of ['step-ctok-5d4e', 'step-note-6f7a', 'trig-tok-9b8c', 'x-trig-1a2b'])
      expect(jobsRows).not.toContain(v);

    const run = await ok('POST', '/api/v1/jobs/parent-of-secret/runs', { params: { tok: 'chain-tok-2c3d' } });
    const parentRun = await finished(run.execution.id);
    expect(JSON.stringify(parentRun.logs)).not.toContain('could not queue');
    const childId = await waitFor(
      async () => {
        const rows = await query<{ id: string }>(app.db.url, 'SELECT id FROM executions WHERE parent_id = $1', [
          run.execution.id,
        ]);
        return rows[0]?.id;
      },
      15_000,
      'the child',
    );
    const child = await finished(childId);
    expect(child.status).toBe('succeeded');
    // The target got the rendered value; the child shows it masked everywhere.
    expect(target.hits('/echo').at(-1)!.headers['x-from']).toBe('Bearer CHAIN-TOK-2C3D');
    expect(child.params.fromParent).toBe('***');
    const shown = JSON.stringify(child);
    expect(shown).not.toContain('CHAIN-TOK-2C3D');
    expect(shown).not.toContain('step-ctok-5d4e');
    expect(shown).not.toContain('step-note-6f7a');
    const executions = (await tableText('executions')) + (await tableText('execution_logs'));
    for (const v of ['CHAIN-TOK-2C3D', 'chain-tok-2c3d', 'step-ctok-5d4e', 'step-note-6f7a']) {
      expect(executions).not.toContain(v);
    }
    // A retry keeps the value secret (its stored params are still sealed).
    const retry = await ok('POST', `/api/v1/executions/${childId}/retry`);
    const retried = await finished(retry.execution.id);
    expect(retried.params.fromParent).toBe('***');
    expect(JSON.stringify(retried)).not.toContain('CHAIN-TOK-2C3D');
  });

  it('takes {secret: true, value} for any param of a run, and keeps it secret', async () => {
    const run = await ok('POST', '/api/v1/jobs/sched-secret/runs', {
      params: { tok: 't-run-1', note: { secret: true, value: 'run-note-8e7f' } },
    });
    const d = await finished(run.execution.id);
    expect(d.status).toBe('succeeded');
    expect(target.hits('/ok').some((h) => h.url.includes('n=run-note-8e7f'))).toBe(true);
    expect(d.params.note).toBe('***');
    expect(JSON.stringify(d)).not.toContain('run-note-8e7f');
    expect(await tableText('executions')).not.toContain('run-note-8e7f');
  });

  it('takes a secret that looks like a template as a value: never rendered, never quoted in an error', async () => {
    const secret = '{{ tpl-like-secret-4d3c';
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'tpl-secret',
      executor: { kind: 'http', url: `${target.url}/ok` },
      onSuccess: [{ job: 'tpl-secret', params: { x: { secret: true, value: secret } } }],
      onFailure: [{ job: 'missing-job', params: { x: { secret: true, value: secret } } }],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).not.toContain('tpl-like-secret');
    expect(JSON.stringify(res.body)).toContain('onFailure.0.job');
  });

  it('masks a secret echoed back URL-encoded, form-encoded, JSON-escaped or in base64', async () => {
    const secret = 'echo/secret "v"+1 4e5f';
    target.on('/encoded', (req, res) => {
      const v = String(req.headers['x-key']);
      res.writeHead(200, { 'content-type': 'text/plain', 'x-b64': Buffer.from(v).toString('base64') });
      res.end(
        [
          encodeURIComponent(v),
          new URLSearchParams({ v }).toString(),
          JSON.stringify({ v }),
          Buffer.from(`user:${v}`).toString('base64'),
        ].join('\n'),
      );
    });
    await ok('POST', '/api/v1/jobs', {
      name: 'echo-encoded',
      executor: { kind: 'http', url: `${target.url}/encoded`, headers: { 'X-Key': { secret: true, value: secret } } },
    });
    const run = await ok('POST', '/api/v1/jobs/echo-encoded/runs', {});
    const d = await finished(run.execution.id);
    const shown = JSON.stringify(d) + (await tableText('executions'));
    for (const form of [
      encodeURIComponent(secret),
      new URLSearchParams({ v: secret }).toString().slice(2),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret).toString('base64'),
    ]) {
      expect(shown).not.toContain(form);
    }
    expect(d.response.headers['x-b64']).toContain('***');
  });

  it('drops secret headers on a redirect to another origin, keeps them on the same origin', async () => {
    target.on('/r1', (_req, res) => {
      res.writeHead(302, { location: '/r2' });
      res.end();
    });
    target.on('/r2', (_req, res) => {
      res.writeHead(302, { location: `${other.url}/away` });
      res.end();
    });
    await ok('POST', '/api/v1/jobs', {
      name: 'redirected',
      executor: {
        kind: 'http',
        url: `${target.url}/r1`,
        followRedirects: true,
        headers: { 'X-Api-Key': { secret: true, value: 'redir-key-7c6d' }, Authorization: 'Bearer plain-auth' },
      },
    });
    const d = await finished((await ok('POST', '/api/v1/jobs/redirected/runs', {})).execution.id);
    expect(d.status).toBe('succeeded');
    expect(target.hits('/r2')[0]!.headers['x-api-key']).toBe('redir-key-7c6d');
    const away = other.hits('/away')[0]!;
    expect(away.headers['x-api-key']).toBeUndefined();
    expect(away.headers.authorization).toBeUndefined();
  });

  it('keeps the items of a secret fan-out param sealed in every child row', async () => {
    await ok('POST', '/api/v1/jobs', {
      name: 'fan-secret',
      executor: { kind: 'http', url: `${target.url}/ok`, query: { d: '{{ params.ids }}' } },
      params: [{ name: 'ids', type: 'string[]', fanOut: true, secret: true }],
    });
    const run = await ok('POST', '/api/v1/jobs/fan-secret/runs', {
      params: { ids: ['fan-item-a1b2', 'fan-item-c3d4'] },
    });
    await finished(run.execution.id);
    await waitFor(() => target.hits('/ok').filter((h) => h.url.includes('fan-item-')).length >= 2, 15_000, 'children');
    const rows = await tableText('executions');
    expect(rows).not.toContain('fan-item-a1b2');
    expect(rows).not.toContain('fan-item-c3d4');
  });

  it('seals at start the clear secrets that rows written by an older version still hold', async () => {
    const db = await createTestDatabase();
    let old = await startTestApp({}, db);
    try {
      const api = async (method: string, path: string, body?: unknown) => {
        const res = await old.api(method, path, body);
        if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
        return res.body;
      };
      await api('POST', '/api/v1/jobs', {
        name: 'legacy-child',
        executor: { kind: 'http', url: `${target.url}/ok` },
        params: [{ name: 'ctok', type: 'string', secret: true }],
      });
      await api('POST', '/api/v1/jobs', {
        name: 'legacy',
        executor: { kind: 'http', url: `${target.url}/ok`, query: { legacy: '{{ params.tok }}' } },
        params: [{ name: 'tok', type: 'string', secret: true }],
        onSuccess: [{ job: 'legacy-child' }],
        triggers: { github: [{ repository: 'org/legacy' }] },
      });
      const s = await api('POST', '/api/v1/schedules', { job: 'legacy', cron: '0 0 3 * * *' });
      // What an older version wrote: the secrets in clear.
      await query(db.url, `UPDATE schedules SET params = $2::jsonb WHERE id = $1`, [
        s.id,
        JSON.stringify({ tok: 'legacy-sched-1a2b' }),
      ]);
      await query(db.url, `UPDATE jobs SET on_success = $1::jsonb, triggers = $2::jsonb WHERE name = 'legacy'`, [
        JSON.stringify([{ job: 'legacy-child', params: { ctok: 'legacy-step-3c4d', t: '{{ parent.params.tok }}' } }]),
        JSON.stringify({
          github: [{ repository: 'org/legacy', params: { tok: { secret: true, value: 'legacy-trig-5e6f' } } }],
        }),
      ]);
      await old.close();
      old = await startTestApp({}, db);
      const jobs = await query<{ v: string }>(db.url, `SELECT to_jsonb(j)::text AS v FROM jobs j`);
      const schedules = await query<{ v: string }>(db.url, `SELECT to_jsonb(s)::text AS v FROM schedules s`);
      const text = [...jobs, ...schedules].map((r) => r.v).join('\n');
      for (const v of ['legacy-sched-1a2b', 'legacy-step-3c4d', 'legacy-trig-5e6f']) expect(text).not.toContain(v);
      expect(text).toContain('{{ parent.params.tok }}'); // templates are not values: left as they are
      const shown = (await old.api('GET', `/api/v1/schedules/${s.id}`)).body;
      expect(shown.params).toEqual({ tok: { secret: true, set: true } });
      // Still the same values: a run gets them in plain.
      await query(db.url, `UPDATE schedules SET next_run_at = now() - interval '1 second' WHERE id = $1`, [s.id]);
      await waitFor(
        () => target.hits('/ok').some((h) => h.url.includes('legacy=legacy-sched-1a2b')),
        15_000,
        'the legacy schedule to fire with its value',
      );
    } finally {
      await old.close();
      await db.drop();
    }
  });
});
