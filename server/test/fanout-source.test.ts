import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { query } from './helpers/database.js';
import { runHelpers } from './helpers/runs.js';

// Issue 21: a fan-out param's items fetched over HTTP when the parent starts; every failure fails the parent
// with the reason (never a default list). Real local HTTP server; FANOUT_MAX 5 to test the cap cheaply.
let app: TestApp;
let target: HttpTarget;
const TOKEN = 'source-token-Zq81';

const { finished } = runHelpers(() => app, 60_000);

/** A job whose `device_id` comes from `path` on the target. */
async function sourceJob(name: string, path: string, source: Record<string, unknown> = {}) {
  const res = await app.api('POST', '/api/v1/jobs', {
    name,
    executor: { kind: 'http', url: `${target.url}/work`, query: { d: '{{ params.device_id }}' } },
    params: [
      { name: 'group', type: 'string', default: 'g1' },
      {
        name: 'device_id',
        type: 'string[]',
        fanOut: true,
        required: true,
        source: {
          url: `${target.url}${path}?group={{ params.group }}`,
          jsonPath: '$.data.devices',
          headers: { Authorization: { secret: true, value: `Bearer ${TOKEN}` } },
          timeoutMs: 500,
          ...source,
        },
      },
    ],
  });
  if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function runOf(name: string) {
  const r = await app.api('POST', `/api/v1/jobs/${name}/runs`, {});
  expect(r.status).toBe(202);
  return finished(r.body.execution.id);
}

const json =
  (body: unknown, status = 200) =>
  (_req: unknown, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  };

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', WORKER_CONCURRENCY: '8', WORKER_POLL_MS: '200', FANOUT_MAX: '5' });
});
afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('fan-out from an HTTP list', () => {
  it('fetches the list when the run starts, records it, and runs one child per item', async () => {
    target.on('/devices', json({ data: { devices: [{ id: 'd1' }, { id: 'd2' }, { id: 'd3' }] } }));
    const job = await sourceJob('src-ok', '/devices', { itemField: 'id' });
    // The view masks the source's secret header.
    expect(job.params[1].source.headers.Authorization).toEqual({ secret: true, set: true });
    expect(JSON.stringify(job)).not.toContain(TOKEN);
    const d = await runOf('src-ok');
    expect(d.status).toBe('succeeded');
    expect(d.progress).toEqual({ total: 3, done: 3, failed: 0, cancelled: 0 });
    expect(d.children.map((c: { params: Record<string, string> }) => c.params.device_id).sort()).toEqual([
      'd1',
      'd2',
      'd3',
    ]);
    expect(d.params.device_id).toEqual(['d1', 'd2', 'd3']);
    const src = d.fanOut.sources[0];
    expect(src).toMatchObject({
      param: 'device_id',
      method: 'GET',
      status: 200,
      count: 3,
      firstItems: ['d1', 'd2', 'd3'],
      error: null,
    });
    expect(src.url).toBe(`${target.url}/devices?group=g1`);
    // The call carried the secret header; nothing the API returns does.
    expect(target.hits('/devices')[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(d)).not.toContain(TOKEN);
    expect(
      target
        .hits('/work')
        .map((r) => new URL(r.url, 'http://x').searchParams.get('d'))
        .sort(),
    ).toEqual(['d1', 'd2', 'd3']);
  });

  it('an empty list is a success with 0 children', async () => {
    target.on('/empty', json({ data: { devices: [] } }));
    await sourceJob('src-empty', '/empty');
    const d = await runOf('src-empty');
    expect(d.status).toBe('succeeded');
    expect(d.progress).toBeNull();
    expect(d.children).toEqual([]);
    expect(d.fanOut.sources[0]).toMatchObject({ status: 200, count: 0, error: null });
  });

  const failures: [string, (req: unknown, res: ServerResponse) => unknown, Record<string, unknown>, RegExp][] = [
    ['non-2xx', json({ error: 'down' }, 503), {}, /HTTP 503 \(a 2xx answer is needed\)/],
    ['timeout', () => undefined /* never answers */, {}, /timed out after 500 ms/],
    ['invalid JSON', json('{"data": [1, 2', 200), {}, /not JSON/],
    ['path missing', json({ data: { other: [] } }), {}, /\$\.data\.devices: \$\.data\.devices is missing/],
    ['not a list', json({ data: { devices: { d1: true } } }), {}, /is an object, not a list/],
    [
      'non-scalar items',
      json({ data: { devices: [{ id: 'd1' }] } }),
      {},
      /\[0\] is an object: items must be strings or numbers \(set itemField\)/,
    ],
    ['item field missing', json({ data: { devices: [{ name: 'd1' }] } }), { itemField: 'id' }, /\[0\] has no field id/],
    [
      'over FANOUT_MAX',
      json({ data: { devices: ['1', '2', '3', '4', '5', '6'] } }),
      {},
      /6 items: a run fans out to at most 5 \(FANOUT_MAX\)/,
    ],
  ];
  it.each(failures)(
    '%s fails the parent with the reason, runs nothing, never a default',
    async (label, handler, extra, reason) => {
      const slug = label.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
      target.on(`/f-${slug}`, handler);
      await sourceJob(`src-${slug}`, `/f-${slug}`, extra);
      const before = target.hits('/work').length;
      const d = await runOf(`src-${slug}`);
      expect(d.status).toBe('failed');
      expect(d.error).toMatch(/^Fan-out source of params\.device_id failed: /);
      expect(d.error).toMatch(reason);
      expect(d.children).toEqual([]);
      expect(d.fanOut.sources[0].error).toMatch(reason);
      expect(
        d.logs.some((l: { level: string; message: string }) => l.level === 'error' && reason.test(l.message)),
      ).toBe(true);
      expect(target.hits('/work').length).toBe(before);
      expect(JSON.stringify(d)).not.toContain(TOKEN);
    },
  );

  it('cancelling while the list is being fetched cancels the parent (not failed), runs nothing', async () => {
    target.on('/slow-list', () => undefined /* never answers */);
    await sourceJob('src-cancel', '/slow-list', { timeoutMs: 60_000 });
    const r = await app.api('POST', '/api/v1/jobs/src-cancel/runs', {});
    const id = r.body.execution.id;
    await waitFor(() => target.hits('/slow-list').length > 0, 10_000, 'the source call');
    expect((await app.api('POST', `/api/v1/executions/${id}/cancel`)).status).toBe(200);
    const d = await finished(id);
    expect(d.status).toBe('cancelled');
    expect(d.error).toBe('Cancelled while fetching the fan-out list');
    expect(d.children).toEqual([]);
  });

  it('a list given in the run is used as it is (no fetch); a source param cannot have a default', async () => {
    const before = target.hits('/devices').length;
    const r = await app.api('POST', '/api/v1/jobs/src-ok/runs', { params: { device_id: ['x1'] } });
    const d = await finished(r.body.execution.id);
    expect(d.status).toBe('succeeded');
    expect(d.children.map((c: { params: Record<string, string> }) => c.params.device_id)).toEqual(['x1']);
    expect(target.hits('/devices').length).toBe(before);
    const bad = await app.api('POST', '/api/v1/jobs', {
      name: 'src-default',
      executor: { kind: 'http', url: `${target.url}/work` },
      params: [
        {
          name: 'device_id',
          type: 'string[]',
          fanOut: true,
          default: ['d1'],
          source: { url: `${target.url}/d`, jsonPath: '$' },
        },
      ],
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.message)).toMatch(/never falls back to a default/);
    const badPath = await app.api('POST', '/api/v1/jobs', {
      name: 'src-badpath',
      executor: { kind: 'http', url: `${target.url}/work` },
      params: [
        {
          name: 'device_id',
          type: 'string[]',
          fanOut: true,
          source: { url: `${target.url}/d`, jsonPath: '$..x[?(@)]' },
        },
      ],
    });
    expect(badPath.status).toBe(400);
  });

  it('config-as-code export/apply round-trips source, daterange and step (secret header not exported)', async () => {
    await app.api('POST', '/api/v1/jobs', {
      name: 'cac-range',
      executor: { kind: 'http', url: `${target.url}/work` },
      params: [{ name: 'day', type: 'daterange', fanOut: true, step: 2, default: '2026-11-01..2026-11-05' }],
    });
    const paramsOf = async () =>
      JSON.stringify(
        await query(app.db.url, `SELECT name, params FROM jobs WHERE name IN ('src-ok', 'cac-range') ORDER BY name`),
      );
    const before = await paramsOf();
    const text = await (await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders })).text();
    expect(text).toContain('jsonPath: $.data.devices');
    expect(text).toContain('type: daterange');
    expect(text).toContain('step: 2');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('enc:v1');
    const applied = await fetch(`${app.baseUrl}/api/v1/config/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...app.authHeaders },
      body: text,
    });
    expect(applied.status).toBe(200);
    expect(((await applied.json()) as { summary: { update: number } }).summary.update).toBe(0);
    // Nothing changed, the sealed source header included.
    expect(await paramsOf()).toBe(before);
    const job = (await app.api('GET', '/api/v1/jobs/cac-range')).body;
    expect(job.params[0]).toMatchObject({ type: 'daterange', step: 2 });
    expect((await app.api('POST', '/api/v1/jobs/cac-range/resolve', {})).body.fanOut.items).toEqual([
      '2026-11-01',
      '2026-11-03',
      '2026-11-05',
    ]);
  });
});
