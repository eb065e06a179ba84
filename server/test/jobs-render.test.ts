import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BadRequestException } from '@nestjs/common';
import { type Job } from '../src/jobs/job.entity.js';
import { JobsService } from '../src/jobs/jobs.service.js';
import { ParamsResolver } from '../src/jobs/params/params-resolver.js';
import { RequestRenderer } from '../src/jobs/render/request-renderer.js';
import { query } from './helpers/database.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const APP_SECRET = 'jobs-render-test-secret-0123456789abcdef';
// 2024-03-31T16:30:00Z is already April 1st in Tokyo.
const NOW = '2024-03-31T16:30:00Z';

describe('params and render (/api/v1/jobs/:id/render)', () => {
  let app: TestApp;
  let target: Server;
  let hits = 0;
  let origin: string;

  beforeAll(async () => {
    target = createServer((_req, res) => {
      hits++;
      res.end('{}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    app = await startTestApp({ APP_SECRET, LOG_LEVEL: 'error', DEFAULT_TIMEZONE: 'UTC' });
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'timeblock-prompt',
      executor: {
        kind: 'http',
        method: 'POST',
        url: `${origin}/generate/{{ params.device_id }}`,
        query: {
          date: '{{ params.date }}',
          block: '{{ params.time_block }}',
          opt: '{{ params.optional }}',
          tag: ['a', '{{ params.mode }}'],
        },
        headers: {
          Authorization: { secret: true, value: 'Bearer tok-XYZ-123' },
          'X-Date': "{{ params.date | date_add: -1, 'days' }}",
          'X-Key': '{{ params.api_key }}',
        },
        body: {
          ids: '{{ params.ids }}',
          n: '{{ params.n }}',
          flag: '{{ params.flag }}',
          text: 'at {{ params.at }}',
          fixed: [1, null],
        },
        timeoutMs: 5000,
        successStatuses: ['2xx', 304],
      },
      params: [
        { name: 'device_id', type: 'string', required: true, pattern: '^[a-z0-9-]+$' },
        { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
        { name: 'utc_date', type: 'date', default: '{{ today }}' },
        { name: 'time_block', type: 'string', pattern: '^\\d{2}-\\d{2}$', default: '09-12' },
        { name: 'mode', type: 'enum', enum: ['fast', 'full'], default: 'fast' },
        { name: 'ids', type: 'string[]', default: ['x'] },
        { name: 'n', type: 'number', default: 2 },
        { name: 'flag', type: 'boolean', default: false },
        { name: 'at', type: 'datetime', default: 'now' },
        { name: 'optional', type: 'string' },
        { name: 'api_key', type: 'string', secret: true, default: 'key-SECRET-987' },
      ],
    });
    expect(res.status).toBe(201);
  });
  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => target?.close(resolve));
  });

  const render = (params: Record<string, unknown>, now = NOW) =>
    app.api('POST', '/api/v1/jobs/timeblock-prompt/render', { params, now });

  it('shows the exact request with defaults in their time zones, and sends nothing', async () => {
    const res = await render({ device_id: 'dev-1' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      params: {
        device_id: 'dev-1',
        date: '2024-04-01',
        utc_date: '2024-03-31',
        time_block: '09-12',
        mode: 'fast',
        ids: ['x'],
        n: 2,
        flag: false,
        at: '2024-03-31T16:30:00Z',
        api_key: '***',
      },
      request: {
        method: 'POST',
        // Postgres jsonb keeps object keys shorter-first: that is the order they are sent in.
        url: `${origin}/generate/dev-1?tag=a&tag=fast&date=2024-04-01&block=09-12`,
        headers: {
          Authorization: '***',
          'X-Date': '2024-03-31',
          'X-Key': '***',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ n: 2, ids: ['x'], flag: false, text: 'at 2024-03-31T16:30:00Z', fixed: [1, null] }),
      },
      timeoutMs: 5000,
      followRedirects: false,
      maxResponseBytes: 1048576,
      successStatuses: ['2xx', 304],
    });
    expect(hits).toBe(0);
    // A few hours earlier, Tokyo is still on March 31st.
    const earlier = await render({ device_id: 'dev-1' }, '2024-03-31T10:00:00Z');
    expect(earlier.body.params.date).toBe('2024-03-31');
  });

  it('coerces and validates param types', async () => {
    const ok = await render({
      device_id: 'dev-2',
      date: 'yesterday',
      n: '3.5',
      flag: 'true',
      ids: 'a, b,\nc',
      mode: 'full',
      at: '2024-05-01T09:00:00+09:00',
      optional: 'o',
    });
    expect(ok.status).toBe(200);
    expect(ok.body.params).toMatchObject({
      date: '2024-03-30', // yesterday in the job's zone (UTC)
      n: 3.5,
      flag: true,
      ids: ['a', 'b', 'c'],
      mode: 'full',
      at: '2024-05-01T09:00:00+09:00',
      optional: 'o',
    });
    expect(ok.body.request.url).toContain('opt=o');

    const bad = await render({
      date: '2024-02-30',
      time_block: '9-12',
      mode: 'slow',
      n: 'many',
      flag: 'perhaps',
      ids: [1, {}],
      at: 'later',
      nope: 1,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual([
      'params.nope is not a parameter of job timeblock-prompt',
      'params.device_id is required',
      'params.date must be a date (YYYY-MM-DD)',
      'params.time_block must match ^\\d{2}-\\d{2}$',
      'params.mode must be one of fast, full',
      'params.ids [1] must be a string',
      'params.n must be a number',
      'params.flag must be a boolean',
      'params.at must be an ISO 8601 date-time',
    ]);
    const pattern = await render({ device_id: 'Bad Device' });
    expect(pattern.body.message).toEqual(['params.device_id must match ^[a-z0-9-]+$']);
    expect((await app.api('POST', '/api/v1/jobs/timeblock-prompt/render', { params: [] })).status).toBe(400);
    expect((await app.api('POST', '/api/v1/jobs/timeblock-prompt/render', { now: 'yesterday' })).status).toBe(400);
  });

  it('rejects at render a stored URL template that changes the origin', async () => {
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'tampered',
      executor: { kind: 'http', url: `${origin}/x/{{ params.p }}` },
      params: [{ name: 'p', type: 'string', default: 'a' }],
    });
    expect(res.status).toBe(201);
    expect(
      (await app.api('POST', '/api/v1/jobs/tampered/render', { params: { p: '@evil.example' } })).body.request.url,
    ).toBe(`${origin}/x/@evil.example`);
    // A definition written behind the API's back (e.g. by hand in SQL) is still checked when rendering.
    await query(
      app.db.url,
      `UPDATE jobs SET executor = jsonb_set(executor, '{url}', to_jsonb($1::text)) WHERE name = 'tampered'`,
      ['http://{{ params.p }}/x'],
    );
    const bad = await app.api('POST', '/api/v1/jobs/tampered/render', { params: { p: 'evil.example' } });
    expect(bad.status).toBe(400);
    expect(String(bad.body.message)).toContain('executor.url');
    await query(
      app.db.url,
      `UPDATE jobs SET executor = jsonb_set(executor, '{url}', to_jsonb($1::text)) WHERE name = 'tampered'`,
      [`${origin}{{ params.p }}/x`],
    );
    const port = await app.api('POST', '/api/v1/jobs/tampered/render', { params: { p: ':1' } });
    expect(port.status).toBe(400);
    expect(String(port.body.message)).toContain('executor.url');
    expect(hits).toBe(0);
  });

  it('exposes RequestRenderer/ParamsResolver to the executions module with plain secrets and a masked copy', async () => {
    const jobs = app.app.get(JobsService);
    const resolver = app.app.get(ParamsResolver);
    const renderer = app.app.get(RequestRenderer);
    const job: Job = await jobs.get('timeblock-prompt');
    await expect(jobs.get('missing-job')).rejects.toThrow('not found');
    expect((await jobs.getMany([job.id, '00000000-0000-4000-8000-000000000000'])).map((j) => j.name)).toEqual([
      'timeblock-prompt',
    ]);

    const params = await resolver.resolve(job, { device_id: 'd1', api_key: 'given key/+&' }, { now: new Date(NOW) });
    expect(params.api_key).toBe('given key/+&');
    const r = await renderer.render(job, params, { now: new Date(NOW), execution: { id: 'e1', attempt: 1 } });
    expect(r.headers.Authorization).toBe('Bearer tok-XYZ-123');
    expect(r.headers['X-Key']).toBe('given key/+&');
    expect(r.secrets.sort()).toEqual(['Bearer tok-XYZ-123', 'given key/+&']);
    expect(r.masked.headers).toMatchObject({ Authorization: '***', 'X-Key': '***' });
    expect(JSON.stringify(r.masked)).not.toContain('tok-XYZ');
    expect(JSON.stringify(r.masked)).not.toContain('given key');
    expect(r).toMatchObject({
      timeoutMs: 5000,
      followRedirects: false,
      maxResponseBytes: 1048576,
      successStatuses: ['2xx', 304],
    });

    // Sealed params (for executions.params) never hold the plain secret and resolve back to it.
    const sealed = resolver.sealParams(job, params);
    expect(String(sealed.api_key)).toMatch(/^enc:v1:/);
    expect(resolver.maskParams(job, params).api_key).toBe('***');
    expect((await resolver.resolve(job, sealed, { now: new Date(NOW) })).api_key).toBe('given key/+&');
    expect(resolver.unsealParams(job, sealed)).toEqual(params);
    expect(resolver.sealParams(job, sealed)).toEqual(sealed);

    // Chain mapping keeps JSON types of single expressions.
    const mapped = await resolver.renderMapping(
      {
        ids: '{{ parent.response.json.devices }}',
        prompt: 'P: {{ parent.response.json.prompt }}',
        date: '{{ parent.params.date }}',
      },
      {
        parent: {
          params: { date: '2024-04-01' },
          response: { status: 200, json: { devices: ['a', 'b'], prompt: 'hi' } },
        },
      },
    );
    expect(mapped).toEqual({ ids: ['a', 'b'], prompt: 'P: hi', date: '2024-04-01' });
    await expect(resolver.renderMapping({ x: '{{ 1 | nope }}' }, {})).rejects.toBeInstanceOf(BadRequestException);
    expect(resolver.fanOutParam(job)).toBeUndefined();
  });

  it('renders one request of a fan-out job and lists the items', async () => {
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'fan',
      executor: { kind: 'http', url: `${origin}/d/{{ params.device_id }}`, query: { date: '{{ params.date }}' } },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'date', type: 'date', default: "{{ 'yesterday' | in_zone: 'Asia/Tokyo' }}" },
      ],
    });
    expect(res.status).toBe(201);
    const job = await app.app.get(JobsService).get('fan');
    expect(app.app.get(ParamsResolver).fanOutParam(job)?.name).toBe('device_id');
    const r = await app.api('POST', '/api/v1/jobs/fan/render', { params: { device_id: ['d1', 'd2'] }, now: NOW });
    expect(r.status).toBe(200);
    expect(r.body.request.url).toBe(`${origin}/d/d1?date=2024-03-31`);
    expect(r.body.fanOut).toEqual({ param: 'device_id', items: ['d1', 'd2'] });
    expect((await app.api('POST', '/api/v1/jobs/fan/render', { params: { device_id: [] } })).body.message).toEqual([
      'params.device_id must not be empty',
    ]);
  });
});
