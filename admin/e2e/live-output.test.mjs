// Live output on the execution page (issue 20): "request sent … waiting" while an HTTP call is in flight,
// command output tailed before the run ends, and "Retry failed (N)" with a confirmation dialog on a
// partly failed fan-out. Real server, real local HTTP target, real Chromium; screenshots en/ja, 1366/390.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  E2E_ADMIN_PASSWORD,
  checkA11y,
  dialogSettled,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  startServer,
  waitForText,
  waitForValue,
} from './helpers.mjs';

describe('live output and retry failed', { timeout: 300_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let server;
  /** @type {import('playwright-core').Browser} */
  let browser;
  /** @type {http.Server} */
  let target;
  let targetUrl = '';
  /** Held /slow responses: headers sent, body not finished. */
  const held = [];
  const failing = new Set(['d2', 'd4']);
  let cookie = '';
  let csrf = '';

  const api = async (method, path, body) => {
    const res = await fetch(server.baseUrl + path, {
      method,
      headers: { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const waitStatus = async (id, wanted, timeout = 30_000) => {
    const deadline = Date.now() + timeout;
    let last = '';
    while (Date.now() < deadline) {
      last = (await api('GET', `/api/v1/executions/${id}`)).body.status;
      if (wanted.includes(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`execution ${id} did not reach ${wanted} (last ${last})`);
  };

  before(async () => {
    target = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/slow') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('started\n');
        held.push(res);
        return;
      }
      const dev = url.searchParams.get('id') ?? '';
      res.writeHead(failing.has(dev) ? 503 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ dev }));
    });
    await new Promise((r) => target.listen(0, '127.0.0.1', () => r(undefined)));
    targetUrl = `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (target.address()).port}`;
    [server, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, COMMAND_JOBS_ENABLED: 'true' } }),
      launchBrowser(),
    ]);
    // A session (cookie + CSRF header) for set-up calls.
    const login = await fetch(`${server.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: E2E_ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 200);
    csrf = (await login.json()).csrfToken;
    cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
  });

  after(async () => {
    for (const res of held) res.end();
    await browser?.close();
    await server?.stop();
    target?.closeAllConnections();
    await new Promise((r) => target?.close(() => r(undefined)));
  });

  test('an HTTP call in flight shows "request sent … waiting for the response" (en/ja, 1366/390)', async () => {
    assert.equal(
      (
        await api('POST', '/api/v1/jobs', {
          name: 'slow-call',
          executor: { kind: 'http', url: `${targetUrl}/slow`, timeoutMs: 300_000 },
        })
      ).status,
      201,
    );
    const run = await api('POST', '/api/v1/jobs/slow-call/runs', {});
    const id = run.body.execution.id;
    await waitStatus(id, ['running']);
    for (const [lang, locale] of [
      ['en', 'en-US'],
      ['ja', 'ja-JP'],
    ]) {
      for (const width of [1366, 390]) {
        const session = await newPage(browser, {
          baseURL: server.baseUrl,
          locale,
          viewport: { width, height: width > 500 ? 900 : 844 },
        });
        const { page } = session;
        await signIn(page);
        await page.goto(`/executions/${id}`);
        const wanted = lang === 'en' ? 'English' : '日本語';
        const radio = page.getByRole('radio', { name: wanted });
        if ((await radio.getAttribute('aria-checked')) !== 'true') await radio.click();
        const banner = page.getByTestId('in-flight');
        await waitForText(banner, lang === 'en' ? 'waiting for the response' : '応答を待っています', 15_000);
        await waitForText(page.getByTestId('request'), `${targetUrl}/slow`);
        await waitForText(page.getByTestId('logs'), 'Response headers: HTTP 200');
        await screenshot(page, `live-01-in-flight-${lang}-${width}`);
        if (lang === 'en' && width === 1366) await checkA11y(page, 'execution in flight');
        assert.deepEqual(session.errors, []);
        await session.context.close();
      }
    }
    for (const res of held.splice(0)) res.end('done\n');
    await waitStatus(id, ['succeeded']);
  });

  test('command output appears on the page before the run ends', async () => {
    const gate = `/tmp/apm-live-e2e-${process.pid}`;
    const created = await api('POST', '/api/v1/jobs', {
      name: 'printer',
      executor: {
        kind: 'command',
        script: `for i in 1 2 3; do echo "early line $i"; done\nwhile [ ! -e ${gate} ]; do sleep 0.1; done\necho "late line"`,
        timeoutMs: 120_000,
      },
    });
    assert.equal(created.status, 201);
    const session = await newPage(browser, { baseURL: server.baseUrl, viewport: { width: 1366, height: 900 } });
    const { page } = session;
    await signIn(page);
    const run = await api('POST', '/api/v1/jobs/printer/runs', {});
    const id = run.body.execution.id;
    await page.goto(`/executions/${id}`);
    const logs = page.getByTestId('logs');
    await waitForText(logs, 'early line 3', 20_000);
    // Still running, and the late line is not there: the lines came while it ran, with no reload.
    assert.equal(await page.getByTestId('execution-status').getAttribute('data-status'), 'running');
    assert.equal((await logs.textContent())?.includes('late line'), false);
    await page.getByTestId('live-tag').waitFor();
    await screenshot(page, 'live-02-command-tail-en-1366');
    const { writeFile, rm } = await import('node:fs/promises');
    await writeFile(gate, '');
    await waitForText(logs, 'late line', 20_000);
    await waitForValue(() => page.getByTestId('execution-status').getAttribute('data-status'), 'succeeded', 20_000);
    await rm(gate, { force: true });
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });

  test('"Retry failed (2)" asks first, then re-runs only the failed children into the same run', async () => {
    const created = await api('POST', '/api/v1/jobs', {
      name: 'fan-devices',
      executor: { kind: 'http', url: `${targetUrl}/dev`, query: { id: '{{ params.device_id }}' } },
      params: [{ name: 'device_id', type: 'string[]', fanOut: true, required: true }],
    });
    assert.equal(created.status, 201);
    const run = await api('POST', '/api/v1/jobs/fan-devices/runs', {
      params: { device_id: ['d1', 'd2', 'd3', 'd4', 'd5'] },
    });
    const id = run.body.execution.id;
    await waitStatus(id, ['partial']);
    const session = await newPage(browser, { baseURL: server.baseUrl, viewport: { width: 1366, height: 900 } });
    const { page } = session;
    await signIn(page);
    await page.goto(`/executions/${id}`);
    const button = page.getByTestId('retry-failed');
    await waitForText(button, 'Retry failed (2)');
    await button.click();
    await dialogSettled(page);
    await waitForText(page.getByRole('dialog'), 'Only the 2 failed');
    await screenshot(page, 'live-03-retry-failed-confirm-en-1366');
    // "Keep as is" closes without retrying.
    await page.getByTestId('confirm-no').click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal((await api('GET', `/api/v1/executions/${id}`)).body.status, 'partial');

    failing.clear();
    await button.click();
    await dialogSettled(page);
    await page.getByTestId('confirm-yes').click();
    await waitForValue(() => page.getByTestId('execution-status').getAttribute('data-status'), 'succeeded', 30_000);
    const d = (await api('GET', `/api/v1/executions/${id}`)).body;
    assert.deepEqual(
      { total: d.progress.total, done: d.progress.done, failed: d.progress.failed },
      { total: 5, done: 5, failed: 0 },
    );
    assert.equal(d.children.filter((c) => c.retryOf).length, 2);
    assert.equal(await page.getByTestId('retry-failed').count(), 0);
    await screenshot(page, 'live-04-retried-en-1366');
    assert.deepEqual(session.errors, []);
    await session.context.close();
  });
});
