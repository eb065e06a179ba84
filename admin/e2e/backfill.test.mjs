// Backfill in real Chromium against the real server and a local HTTP target (issue 21): from the job's page,
// the Backfill form (date range, device list, only-missing) shows a live count that follows the form; submit
// opens the backfill's parent execution, whose progress reaches the end. Screenshots en/ja at 1366 and 390.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { checkA11y, csrfHeaders, freePort, screenshot, startSignedIn, waitForText } from './helpers.mjs';

async function startTarget() {
  const hits = [];
  const server = createServer((req, res) => {
    hits.push(req.url);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, hits, close: () => new Promise((r) => server.close(r)) };
}

async function api(page, method, path, body) {
  const res = await page.request.fetch(path, { method, data: body, headers: await csrfHeaders(page) });
  return { status: res.status(), body: await res.json() };
}

describe('backfill', { timeout: 240_000 }, () => {
  let setup;
  let target;
  let session;

  before(async () => {
    setup = await startSignedIn({ extra: [startTarget], page: { viewport: { width: 1366, height: 900 } } });
    ({ session } = setup);
    [target] = setup.extras;
    const { page } = session;
    const created = await api(page, 'POST', '/api/v1/jobs', {
      name: 'device-features',
      title: 'Device features',
      timezone: 'Asia/Tokyo',
      executor: {
        kind: 'http',
        url: `${target.url}/features`,
        query: { d: '{{ params.device_id }}', date: '{{ params.date }}' },
      },
      params: [
        { name: 'device_id', type: 'string[]', fanOut: true, required: true },
        { name: 'date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
      ],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    // d1 on the first two days is already done.
    const done = await api(page, 'POST', '/api/v1/backfills', {
      job: 'device-features',
      dates: '2026-11-01..2026-11-02',
      params: { device_id: ['d1'] },
    });
    assert.equal(done.status, 201, JSON.stringify(done.body));
    for (let i = 0; i < 200; i++) {
      const d = await api(page, 'GET', `/api/v1/executions/${done.body.executionId}`);
      if (d.body.status === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  after(() => setup?.close());

  test('the form counts live (only-missing skips what succeeded), submit opens the parent run and its progress', async () => {
    const { page, errors } = session;
    await page.goto('/jobs/device-features');
    await page.getByTestId('job-backfill').click({ timeout: 30_000 });
    await page.waitForURL(/\/jobs\/device-features\/backfill$/);
    const count = page.getByTestId('backfill-preview');
    await waitForText(count, 'Choose the dates');
    await page.getByTestId('backfill-from').fill('2026-11-01');
    await page.getByTestId('backfill-to').fill('2026-11-03');
    await page.getByTestId('backfill-key-device_id').fill('d1\nd2');
    await waitForText(count, '4 to run — 6 in all, 2 already succeeded');
    await page.getByTestId('backfill-only-missing').getByRole('switch').click();
    await waitForText(count, '6 to run — 6 in all, 0 already succeeded');
    await page.getByTestId('backfill-only-missing').getByRole('switch').click();
    await waitForText(count, '4 to run — 6 in all, 2 already succeeded');
    await page.getByTestId('backfill-parallelism').fill('2');
    await waitForText(count, '4 to run — 6 in all, 2 already succeeded');
    await screenshot(page, '60-backfill-en-1366');
    await checkA11y(page, 'backfill form');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '61-backfill-en-390');
    await page.setViewportSize({ width: 1366, height: 900 });

    const before = target.hits.length;
    await page.getByTestId('backfill-submit').click();
    await page.waitForURL(/\/executions\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const main = page.locator('main');
    await waitForText(main, /Succeeded|succeeded/, 30_000);
    await waitForText(main, '4', 30_000);
    assert.equal(target.hits.length - before, 4);
    const keys = target.hits.slice(before).map((u) => new URL(u, 'http://x').searchParams);
    assert.deepEqual(keys.map((q) => `${q.get('d')}@${q.get('date')}`).sort(), [
      'd1@2026-11-03',
      'd2@2026-11-01',
      'd2@2026-11-02',
      'd2@2026-11-03',
    ]);
    await screenshot(page, '62-backfill-parent-en');
    assert.deepEqual(errors, []);
  });

  test('in Japanese, at 1366 and 390', async () => {
    const { page } = session;
    await page.goto('/jobs/device-features/backfill');
    await page.getByRole('radio', { name: '日本語' }).click();
    await waitForText(page.getByTestId('backfill-preview'), '日付とキーを選ぶと');
    await page.getByTestId('backfill-from').fill('2026-11-01');
    await page.getByTestId('backfill-to').fill('2026-11-07');
    await page.getByTestId('backfill-key-device_id').fill('d1, d2, d3');
    await waitForText(page.getByTestId('backfill-preview'), '全 21 件、成功済み 6 件');
    await screenshot(page, '63-backfill-ja-1366');
    await checkA11y(page, 'backfill form (ja)');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, '64-backfill-ja-390');
    await page.getByRole('radio', { name: 'English' }).click();
  });
});
