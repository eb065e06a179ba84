// Pipelines in real Chromium against the real server and a local HTTP service: a root run fans out
// over two devices, chains into two features each, and a fan-in (`needs`) per device; one feature
// fails for one device, so that device's fan-in is skipped. The execution page links to the pipeline
// run; its graph shows every node with its status; clicking a node opens its execution.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  E2E_ADMIN_PASSWORD,
  checkA11y,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  startServer,
  waitForText,
  waitForValue,
} from './helpers.mjs';

/** A local service: /feat-b fails for device d-2, everything else answers 200. */
async function startService() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const fail = url.pathname === '/feat-b' && url.searchParams.get('device_id') === 'd-2';
      res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(fail ? { error: 'sensor offline' } : { ok: true, device: url.searchParams.get('device_id') }),
      );
    });
  });
  const port = await freePort();
  await new Promise((resolveListen) => server.listen(port, '127.0.0.1', resolveListen));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

async function csrfHeaders(page) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'apm_csrf')?.value;
  return { 'X-CSRF-Token': csrf ?? '' };
}

describe('pipeline graph', { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let server;
  /** @type {Awaited<ReturnType<typeof startService>>} */
  let service;
  /** @type {import('playwright-core').Browser} */
  let browser;
  /** @type {Awaited<ReturnType<typeof newPage>>} */
  let session;
  let runId = '';
  let fanInId = '';

  before(async () => {
    [server, service, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      startService(),
      launchBrowser(),
    ]);
    session = await newPage(browser, { baseURL: server.baseUrl, viewport: { width: 1366, height: 900 } });
    await session.page.goto('/login');
    await signIn(session.page);

    const { page } = session;
    const headers = await csrfHeaders(page);
    const http = (path) => ({
      kind: 'http',
      url: `${service.url}/${path}`,
      query: { device_id: '{{ params.device_id }}' },
    });
    const device = [{ name: 'device_id', type: 'string', required: true }];
    const jobs = [
      { name: 'feat-a', executor: http('feat-a'), params: device },
      { name: 'feat-b', executor: http('feat-b'), params: device },
      {
        name: 'device-summary',
        executor: http('summary'),
        params: device,
        needs: { jobs: ['feat-a', 'feat-b'], key: ['device_id'], onFailure: 'skip' },
      },
      {
        name: 'hour-start',
        executor: http('start'),
        params: [{ name: 'device_id', type: 'string[]', fanOut: true, default: ['d-1', 'd-2'] }],
        onSuccess: [
          { job: 'feat-a', params: { device_id: '{{ parent.params.device_id }}' } },
          { job: 'feat-b', params: { device_id: '{{ parent.params.device_id }}' } },
        ],
      },
    ];
    for (const data of jobs) {
      const created = await page.request.post('/api/v1/jobs', { headers, data });
      assert.equal(created.status(), 201, await created.text());
    }
    const run = await page.request.post('/api/v1/jobs/hour-start/runs', { headers, data: {} });
    assert.equal(run.status(), 202, await run.text());
    // Wait until the pipeline run has settled: both fan-ins decided and nothing left running.
    await waitForValue(
      async () => {
        const list = await (await page.request.get('/api/v1/pipeline-runs')).json();
        const r = list.items[0];
        if (!r || r.status === 'running') return false;
        runId = r.id;
        const d = await (await page.request.get(`/api/v1/pipeline-runs/${runId}`)).json();
        return (
          d.nodes.filter((n) => n.jobName === 'device-summary' && n.status !== 'queued' && n.status !== 'running')
            .length === 2
        );
      },
      true,
      60_000,
    );
    const detail = await (await page.request.get(`/api/v1/pipeline-runs/${runId}`)).json();
    const fanIn = detail.nodes.find((n) => n.jobName === 'device-summary' && n.status === 'succeeded');
    assert.ok(fanIn, JSON.stringify(detail.nodes.map((n) => [n.jobName, n.status, n.error])));
    fanInId = fanIn.executionId;
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await service?.close();
  });

  test('an execution links to its pipeline run; the graph shows every node with its status', async () => {
    const { page, errors } = session;
    await page.goto(`/executions/${fanInId}`);
    const link = page.getByTestId('pipeline-link').getByRole('link');
    await waitForText(link, 'pipeline run');
    await link.click();
    await page.waitForURL(`**/pipelines/${runId}`);
    const graph = page.getByTestId('pipeline-graph');
    await waitForText(page.getByTestId('pipeline-status'), 'Partial');
    const nodes = graph.locator('g[data-node]');
    await waitForValue(async () => nodes.count(), 9); // root, 2 fan-out children, 4 features, 2 fan-ins
    const state = async (job, status) => graph.locator(`g[data-node="${job}"][data-status="${status}"]`).count();
    assert.equal(await state('feat-a', 'succeeded'), 2);
    assert.equal(await state('feat-b', 'succeeded'), 1);
    assert.equal(await state('feat-b', 'failed'), 1);
    assert.equal(await state('device-summary', 'succeeded'), 1);
    assert.equal(await state('device-summary', 'skipped'), 1);
    // The status is written in the node, not only coloured.
    assert.match(await graph.locator('g[data-node="feat-b"][data-status="failed"]').textContent(), /Failed/);
    // One band per device, plus the shared root.
    const bands = await graph.locator('text.band').allTextContents();
    assert.deepEqual(bands.sort(), ['device_id=d-1', 'device_id=d-2', 'shared']);
    // Needs edges are drawn dashed, one per arrival the API reports: 2 at the fan-in that ran; at the
    // skipped one 1 or 2 (onFailure skip decides at the first failure, and feat-a may arrive after it).
    const apiNeeds = (await (await page.request.get(`/api/v1/pipeline-runs/${runId}`)).json()).edges.filter(
      (e) => e.kind === 'needs',
    ).length;
    assert.ok(apiNeeds >= 3 && apiNeeds <= 4, `needs edges from the API: ${apiNeeds}`);
    assert.equal(await graph.locator('path.edge.needs').count(), apiNeeds);
    await screenshot(page, 'pipeline-graph-en-1366');
    await checkA11y(page, 'pipeline graph');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'pipeline-graph-en-390');
    await page.setViewportSize({ width: 1366, height: 900 });

    // Click the failed node: its execution opens.
    await graph.locator('g[data-node="feat-b"][data-status="failed"]').click();
    await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/);
    await waitForText(page.locator('h1'), 'feat-b');

    // The list of pipeline runs.
    await page.goto('/pipelines');
    const row = page.locator(`a[data-run="${runId}"]`);
    await waitForText(row, 'hour-start');
    await screenshot(page, 'pipeline-runs-en-1366');
    await checkA11y(page, 'pipeline runs');
    assert.deepEqual(errors, []);
  });

  test('the same screens in Japanese, wide and narrow', async () => {
    const { page, errors } = session;
    await page.goto(`/pipelines/${runId}`);
    await page.getByRole('radio', { name: '日本語' }).click();
    await waitForText(page.getByTestId('pipeline-status'), '一部失敗');
    await waitForText(page.getByTestId('pipeline-graph').locator('g[data-status="skipped"]'), 'スキップ');
    await screenshot(page, 'pipeline-graph-ja-1366');
    await checkA11y(page, 'pipeline graph (ja)');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'pipeline-graph-ja-390');
    await page.goto('/pipelines');
    await waitForText(page.locator(`a[data-run="${runId}"]`), 'hour-start');
    await screenshot(page, 'pipeline-runs-ja-390');
    await page.setViewportSize({ width: 1366, height: 900 });
    await screenshot(page, 'pipeline-runs-ja-1366');
    assert.deepEqual(errors, []);
  });
});
