import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const APP_SECRET = 'jobs-crud-test-secret-0123456789abcdef';

const httpJob = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  executor: { kind: 'http', url: 'http://api.internal:8009/run' },
  ...extra,
});

/** The stored (sealed) secrets of the `secretive` job, as the jobs table holds them. */
interface StoredSecrets {
  executor: { headers: { Authorization: { value: string } } };
  params: { default: { value: string } }[];
}

describe('jobs CRUD (/api/v1/jobs)', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({ APP_SECRET, LOG_LEVEL: 'error' });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('creates, reads (by id and by name), lists, updates and deletes a job', async () => {
    const def = {
      name: 'timeblock-prompt',
      title: '[心理] タイムブロックプロンプト生成',
      group: 'psychology',
      description: 'Generates the prompt',
      executor: {
        kind: 'http',
        method: 'get',
        url: 'http://api-gen-prompt:8009/generate-timeblock-prompt',
        query: { device_id: '{{ params.device_id }}', date: '{{ params.date }}' },
        timeoutMs: 60000,
      },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true },
        { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
        { name: 'time_block', type: 'string', pattern: '^\\d{2}-\\d{2}$' },
      ],
      retry: { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000 },
      concurrency: { max: 1, overlap: 'queue' },
      triggers: { github: [{ repository: 'org/repo', branches: ['main'], watchFiles: ['prompts/**', '!**/*.md'] }] },
    };
    const created = await app.api('POST', '/api/v1/jobs', def);
    expect(created.status).toBe(201);
    const job = created.body;
    expect(job).toMatchObject({
      name: 'timeblock-prompt',
      title: def.title,
      group: 'psychology',
      enabled: true,
      timezone: null,
      version: 1,
      executor: {
        kind: 'http',
        method: 'GET',
        url: def.executor.url,
        query: def.executor.query,
        headers: {},
        timeoutMs: 60000,
        successStatuses: ['2xx'],
        maxResponseBytes: 1048576,
        followRedirects: false,
      },
      params: def.params,
      retry: { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 1000, maxDelayMs: 60000, jitter: true },
      concurrency: { max: 1, overlap: 'queue', fanOutParallelism: 4 },
      onSuccess: [],
      onFailure: [],
      triggers: def.triggers,
    });
    expect(job.id).toMatch(/^[0-9a-f-]{36}$/);

    const byId = await app.api('GET', `/api/v1/jobs/${job.id}`);
    const byName = await app.api('GET', '/api/v1/jobs/timeblock-prompt');
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(job);
    expect(byName.body).toEqual(job);

    const patched = await app.api('PATCH', '/api/v1/jobs/timeblock-prompt', {
      enabled: false,
      title: 'T2',
      version: 1,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      enabled: false,
      title: 'T2',
      version: 2,
      executor: job.executor,
      params: job.params,
    });
    const stale = await app.api('PATCH', `/api/v1/jobs/${job.id}`, { title: 'T3', version: 1 });
    expect(stale.status).toBe(409);

    const del = await app.api('DELETE', `/api/v1/jobs/${job.id}`);
    expect(del.status).toBe(204);
    expect((await app.api('GET', `/api/v1/jobs/${job.id}`)).status).toBe(404);
    expect((await query(app.db.url, 'SELECT 1 FROM jobs WHERE id = $1', [job.id])).length).toBe(0);
  });

  it('lists sorted by group then name, filtered by group, enabled and q', async () => {
    for (const [name, group, enabled, title] of [
      ['list-b', 'zeta', true, 'Bravo'],
      ['list-a', 'zeta', false, 'Alpha report'],
      ['list-c', 'alpha', true, 'Charlie'],
      ['list-d', null, true, 'Delta report'],
    ] as const) {
      expect((await app.api('POST', '/api/v1/jobs', httpJob(name, { group, enabled, title }))).status).toBe(201);
    }
    const names = async (qs = '') =>
      ((await app.api('GET', `/api/v1/jobs${qs}`)).body.items as { name: string }[])
        .map((j) => j.name)
        .filter((n) => n.startsWith('list-'));
    expect(await names()).toEqual(['list-d', 'list-c', 'list-a', 'list-b']);
    expect(await names('?group=zeta')).toEqual(['list-a', 'list-b']);
    expect(await names('?enabled=false')).toEqual(['list-a']);
    expect(await names('?q=REPORT')).toEqual(['list-d', 'list-a']);
    expect(await names('?q=%25')).toEqual([]);
    const all = await app.api('GET', '/api/v1/jobs');
    expect(all.body.total).toBe(all.body.items.length);
    expect((await app.api('GET', '/api/v1/jobs?enabled=maybe')).status).toBe(400);
  });

  it('answers 409 for a duplicate name (create and rename) and 404 for unknown ids or names', async () => {
    expect((await app.api('POST', '/api/v1/jobs', httpJob('dup-a'))).status).toBe(201);
    expect((await app.api('POST', '/api/v1/jobs', httpJob('dup-b'))).status).toBe(201);
    const dup = await app.api('POST', '/api/v1/jobs', httpJob('dup-a'));
    expect(dup.status).toBe(409);
    expect(dup.body.message).toContain('dup-a');
    expect((await app.api('PATCH', '/api/v1/jobs/dup-b', { name: 'dup-a' })).status).toBe(409);
    for (const path of [
      '/api/v1/jobs/00000000-0000-4000-8000-000000000000',
      '/api/v1/jobs/no-such-job',
      '/api/v1/jobs/Not%20A%20Slug%20%F0%9F%98%80',
    ]) {
      expect((await app.api('GET', path)).status).toBe(404);
      expect((await app.api('PATCH', path, { title: 'x' })).status).toBe(404);
      expect((await app.api('DELETE', path)).status).toBe(404);
      expect((await app.api('POST', `${path}/render`, {})).status).toBe(404);
    }
  });

  it('names the field in every validation error', async () => {
    const cases: [unknown, string][] = [
      [{ executor: { kind: 'http', url: 'http://x/' } }, 'name must be a slug'],
      [httpJob('Bad Name'), 'name must be a slug'],
      [httpJob('x'.repeat(101)), 'name must be a slug'],
      [{ name: 'no-exec' }, 'executor must be an object'],
      [{ name: 'v1', executor: { kind: 'http', url: 'not a url' } }, 'executor.url must be an absolute http(s) URL'],
      [
        { name: 'v2', executor: { kind: 'ftp', url: 'http://x/' } },
        'executor.kind must be one of the following values: http',
      ],
      [
        { name: 'v3', executor: { kind: 'http', url: 'http://x/', timeoutMs: -1 } },
        'executor.timeoutMs must not be less than 1',
      ],
      [{ name: 'v4', executor: { kind: 'http', url: 'http://x/', method: 'FETCH' } }, 'executor.method must be one of'],
      [
        { name: 'v5', executor: { kind: 'http', url: 'http://x/', headers: { 'Bad Header': 'x' } } },
        'executor.headers.Bad Header is not a valid header name',
      ],
      [
        { name: 'v6', executor: { kind: 'http', url: 'http://x/', headers: { A: { secret: 'yes' } } } },
        'executor.headers.A must be a string or {"secret": true',
      ],
      [
        { name: 'v7', executor: { kind: 'http', url: 'http://x/', successStatuses: ['2xx', 'abc'] } },
        'executor.successStatuses.1 must be a status',
      ],
      [httpJob('v8', { params: [{ name: '1bad', type: 'string' }] }), 'params.0.name must be an identifier'],
      [httpJob('v9', { params: [{ name: 'a', type: 'uuid' }] }), 'params.0.type must be one of the following values'],
      [
        httpJob('v10', { params: [{ name: 'a', type: 'string', pattern: '(' }] }),
        'params.0.pattern must be a valid regular expression',
      ],
      [
        httpJob('v11', { params: [{ name: 'a', type: 'string', fanOut: true }] }),
        'params.0.fanOut is only allowed on string[] and daterange params',
      ],
      [httpJob('v12', { params: [{ name: 'a', type: 'enum' }] }), 'params.0.enum must list the allowed values'],
      [
        httpJob('v13', { params: [{ name: 'a', type: 'number', default: 'abc' }] }),
        'params.0.default must be a number',
      ],
      [
        httpJob('v14', {
          params: [
            { name: 'a', type: 'string' },
            { name: 'a', type: 'number' },
          ],
        }),
        'params.1.name a is declared twice',
      ],
      [httpJob('v15', { retry: { maxAttempts: 0 } }), 'retry.maxAttempts must not be less than 1'],
      [httpJob('v16', { concurrency: { overlap: 'sometimes' } }), 'concurrency.overlap must be one of'],
      [httpJob('v17', { onSuccess: [{ job: 'Bad Job' }] }), 'onSuccess.0.job must be a slug'],
      [
        httpJob('v24', { concurrency: { overlap: 'allow', max: 1 } }),
        'concurrency.max 1 contradicts concurrency.overlap allow',
      ],
      [
        httpJob('v18', { triggers: { github: [{ repository: 'noslash' }] } }),
        'triggers.github.0.repository must be owner/name',
      ],
      [httpJob('v19', { timezone: 'Mars/Olympus' }), 'timezone must be an IANA time zone'],
      [
        { name: 'v20', executor: { kind: 'http', url: 'http://x/', query: { a: '{{ params.a | nope }}' } } },
        'executor.query.a has a template error',
      ],
      [
        { name: 'v21', executor: { kind: 'http', url: 'http://x/', method: 'GET', body: { a: 1 } } },
        'executor.body is not allowed with method GET',
      ],
      [httpJob('v22', { unknownField: 1 }), 'property unknownField should not exist'],
      [
        { name: 'v23', executor: { kind: 'http', url: 'http://x/', extra: 1 } },
        'executor.property extra should not exist',
      ],
    ];
    for (const [body, message] of cases) {
      const res = await app.api('POST', '/api/v1/jobs', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      const messages: string[] = Array.isArray(res.body.message) ? res.body.message : [res.body.message];
      expect({ body, messages, ok: messages.some((m) => m.includes(message)) }).toEqual({ body, messages, ok: true });
    }
    const rows = await query(app.db.url, `SELECT count(*)::int AS n FROM jobs WHERE name ~ '^v[0-9]+$'`);
    expect(rows[0].n).toBe(0);
  });

  it('rejects URL templates that could change scheme, host or port', async () => {
    for (const url of [
      'http://{{ params.host }}:8009/x',
      'http://api:{{ params.port }}/x',
      '{{ params.scheme }}://api/x',
      'http{% if params.s %}s{% endif %}://api/x',
      'http://api{{ params.suffix }}/x',
      'http://user:pass@api/x',
      'file:///etc/passwd',
    ]) {
      const res = await app.api('POST', '/api/v1/jobs', { name: 'url-guard', executor: { kind: 'http', url } });
      expect({ url, status: res.status }).toEqual({ url, status: 400 });
      expect(String(res.body.message)).toContain('executor.url');
    }
    const ok = await app.api('POST', '/api/v1/jobs', {
      name: 'url-guard',
      executor: { kind: 'http', url: 'https://api:8443/items/{{ params.id }}?x={{ params.id }}' },
      params: [{ name: 'id', type: 'string' }],
    });
    expect(ok.status).toBe(201);
  });

  it('checks chains: targets must exist, cycles are rejected, referenced jobs cannot go', async () => {
    const missing = await app.api('POST', '/api/v1/jobs', httpJob('chain-a', { onSuccess: [{ job: 'chain-nope' }] }));
    expect(missing.status).toBe(400);
    expect(missing.body.message).toEqual(['onSuccess.0.job: job chain-nope does not exist']);

    expect((await app.api('POST', '/api/v1/jobs', httpJob('chain-c'))).status).toBe(201);
    expect(
      (await app.api('POST', '/api/v1/jobs', httpJob('chain-b', { onFailure: [{ job: 'chain-c' }] }))).status,
    ).toBe(201);
    const a = await app.api(
      'POST',
      '/api/v1/jobs',
      httpJob('chain-a', { onSuccess: [{ job: 'chain-b', params: { prompt: '{{ parent.response.json.prompt }}' } }] }),
    );
    expect(a.status).toBe(201);
    expect(a.body.onSuccess).toEqual([{ job: 'chain-b', params: { prompt: '{{ parent.response.json.prompt }}' } }]);

    const cycle = await app.api('PATCH', '/api/v1/jobs/chain-c', { onSuccess: [{ job: 'chain-a' }] });
    expect(cycle.status).toBe(400);
    expect(cycle.body.message).toBe('onSuccess/onFailure would form a cycle: chain-c -> chain-a -> chain-b -> chain-c');
    const self = await app.api('PATCH', '/api/v1/jobs/chain-c', { onFailure: [{ job: 'chain-c' }] });
    expect(self.status).toBe(400);
    expect(self.body.message).toBe('onSuccess/onFailure would form a cycle: chain-c -> chain-c');
    expect((await app.api('GET', '/api/v1/jobs/chain-c')).body.onSuccess).toEqual([]);

    const del = await app.api('DELETE', '/api/v1/jobs/chain-b');
    expect(del.status).toBe(409);
    expect(del.body.message).toContain('chain-a');
    expect((await app.api('PATCH', '/api/v1/jobs/chain-b', { name: 'chain-b2' })).status).toBe(409);
    expect((await app.api('PATCH', '/api/v1/jobs/chain-a', { onSuccess: [] })).status).toBe(200);
    expect((await app.api('DELETE', '/api/v1/jobs/chain-b')).status).toBe(204);
  });

  it('stores secrets encrypted, never returns them, and keeps them on PATCH', async () => {
    const token = 'Bearer s3cr3t-token-VALUE';
    const created = await app.api('POST', '/api/v1/jobs', {
      name: 'secretive',
      executor: {
        kind: 'http',
        method: 'POST',
        url: 'http://api:8009/x',
        headers: { Authorization: { secret: true, value: token }, 'X-Plain': 'p', 'X-Unset': { secret: true } },
        body: { a: 1 },
      },
      params: [{ name: 'api_key', type: 'string', secret: true, default: 'param-default-SECRET' }],
    });
    expect(created.status).toBe(201);
    expect(created.body.executor.headers).toEqual({
      Authorization: { secret: true, set: true },
      'X-Plain': 'p',
      'X-Unset': { secret: true, set: false },
    });
    expect(created.body.params[0]).toEqual({
      name: 'api_key',
      type: 'string',
      secret: true,
      default: { secret: true, set: true },
    });

    const [row] = await query<StoredSecrets>(app.db.url, `SELECT executor, params FROM jobs WHERE name = 'secretive'`);
    expect(row.executor.headers.Authorization.value).toMatch(/^enc:v1:/);
    expect(row.params[0].default.value).toMatch(/^enc:v1:/);
    const rawRow = JSON.stringify(row);
    expect(rawRow).not.toContain('s3cr3t');
    expect(rawRow).not.toContain('param-default-SECRET');

    // PATCH the executor giving the secret as {secret: true}: the stored value stays.
    const patched = await app.api('PATCH', '/api/v1/jobs/secretive', {
      executor: {
        kind: 'http',
        method: 'POST',
        url: 'http://api:8009/y',
        headers: { Authorization: { secret: true } },
        body: { a: 2 },
      },
      params: [{ name: 'api_key', type: 'string', secret: true, default: { secret: true } }],
    });
    expect(patched.status).toBe(200);
    expect(patched.body.executor.headers).toEqual({ Authorization: { secret: true, set: true } });
    const [after] = await query<StoredSecrets>(
      app.db.url,
      `SELECT executor, params FROM jobs WHERE name = 'secretive'`,
    );
    expect(after.executor.headers.Authorization.value).toBe(row.executor.headers.Authorization.value);
    expect(after.params[0].default.value).toBe(row.params[0].default.value);

    const rendered = await app.api('POST', '/api/v1/jobs/secretive/render', {});
    expect(rendered.status).toBe(200);
    expect(rendered.body.request.headers.Authorization).toBe('***');
    expect(rendered.body.params).toEqual({ api_key: '***' });

    // Replacing the secret with a new value re-encrypts it.
    const replaced = await app.api('PATCH', '/api/v1/jobs/secretive', {
      executor: {
        kind: 'http',
        url: 'http://api:8009/y',
        headers: { Authorization: { secret: true, value: 'Bearer new-ONE' } },
      },
    });
    expect(replaced.status).toBe(200);
    const [third] = await query<Pick<StoredSecrets, 'executor'>>(
      app.db.url,
      `SELECT executor FROM jobs WHERE name = 'secretive'`,
    );
    expect(third.executor.headers.Authorization.value).not.toBe(row.executor.headers.Authorization.value);

    for (const res of [
      created,
      patched,
      replaced,
      rendered,
      await app.api('GET', '/api/v1/jobs/secretive'),
      await app.api('GET', '/api/v1/jobs'),
    ]) {
      const text = JSON.stringify(res.body);
      for (const s of ['s3cr3t', 'param-default-SECRET', 'new-ONE', 'enc:v1:']) expect(text).not.toContain(s);
    }
  });
});
