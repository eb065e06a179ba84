// Executions, schedules, webhooks and settings screens in real Chromium against the real server,
// with data seeded through the REST API: a job calling a local HTTP target, runs, a signed webhook.
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  E2E_ADMIN_PASSWORD,
  checkA11y,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  startServer,
  waitForText,
  waitForValue,
} from './helpers.mjs';

const WEBHOOK_SECRET = 'e2e-webhook-secret-screens';
const JOB = 'e2e-report';
const SECRET_HEADER = 'x-secret-value-42';

/** A local HTTP target that answers JSON and records what it received. */
async function startTarget() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url.startsWith('/slow')) {
        // Answers late: long enough for the test to cancel the execution while it runs.
        const timer = setTimeout(() => res.end('{"late":true}'), 60_000);
        res.on('close', () => clearTimeout(timer));
        return;
      }
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json', 'x-target': 'e2e' });
      res.end(JSON.stringify({ ok: true, path: req.url, received: body ? JSON.parse(body) : null }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

/** A REST client signed in as the first admin (session cookie + CSRF header). */
async function apiClient(baseUrl) {
  const login = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: E2E_ADMIN_PASSWORD }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const { csrfToken } = await login.json();
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return async (method, path, body, expected) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    if (expected) assert.equal(res.status, expected, `${method} ${path}: ${text}`);
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

function pushPayload(message = 'Update the weekly report') {
  const sha = (n) => n.toString(16).padStart(40, 'c');
  return {
    ref: 'refs/heads/main',
    before: sha(1),
    after: sha(2),
    created: false,
    deleted: false,
    forced: false,
    repository: { full_name: 'org/reports', name: 'reports', owner: { login: 'org', name: 'org' } },
    pusher: { name: 'octo', email: 'octo@example.com' },
    sender: { login: 'octo' },
    head_commit: {
      id: sha(2),
      message,
      author: { name: 'Octo', email: 'octo@example.com' },
      added: ['reports/weekly.csv'],
      removed: [],
      modified: [],
    },
    commits: [
      {
        id: sha(2),
        distinct: true,
        message,
        author: { name: 'Octo', email: 'octo@example.com' },
        added: ['reports/weekly.csv'],
        removed: [],
        modified: [],
      },
    ],
  };
}

async function deliverSigned(baseUrl, payload) {
  const raw = JSON.stringify(payload);
  const res = await fetch(`${baseUrl}/api/v1/webhooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': 'sha256=' + createHmac('sha256', WEBHOOK_SECRET).update(raw).digest('hex'),
    },
    body: raw,
  });
  return { status: res.status, body: await res.json() };
}

async function waitForExecution(api, id, status) {
  let last;
  for (let i = 0; i < 100; i++) {
    last = (await api('GET', `/api/v1/executions/${id}`, undefined, 200)).body;
    if (last.status === status) return last;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`execution ${id} is ${last?.status}, expected ${status}`);
}

describe('admin screens: executions, schedules, webhooks, settings', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let target;
  let api;
  let session;
  let firstRun;
  let deliveryId;
  let fanOut;
  /** HTTP errors the page received: only the deliberate invalid cron preview is expected. */
  const failedResponses = [];

  before(async () => {
    target = await startTarget();
    [server, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, WEBHOOK_SECRET } }),
      launchBrowser(),
    ]);
    api = await apiClient(server.baseUrl);

    await api(
      'POST',
      '/api/v1/jobs',
      {
        name: JOB,
        title: 'E2E report',
        group: 'psychology',
        executor: {
          kind: 'http',
          method: 'POST',
          url: `${target.url}/reports/{{ params.day }}`,
          headers: { 'X-Api-Key': { secret: true, value: SECRET_HEADER } },
          body: { day: '{{ params.day }}' },
        },
        params: [{ name: 'day', type: 'string', default: '2026-01-01' }],
        triggers: { github: [{ repository: 'org/reports', branches: ['main'], watchFiles: ['reports/**'] }] },
      },
      201,
    );
    const run = await api('POST', `/api/v1/jobs/${JOB}/runs`, { params: { day: '2026-02-03' } }, 202);
    firstRun = await waitForExecution(api, run.body.execution.id, 'succeeded');

    await api(
      'POST',
      '/api/v1/jobs',
      {
        name: 'e2e-fanout',
        group: 'behavior',
        executor: {
          kind: 'http',
          method: 'POST',
          url: `${target.url}/devices`,
          body: { device: '{{ params.devices }}' },
        },
        params: [{ name: 'devices', type: 'string[]', fanOut: true, required: true }],
      },
      201,
    );
    const fan = await api(
      'POST',
      '/api/v1/jobs/e2e-fanout/runs',
      { params: { devices: ['dev-1', 'dev-2', 'dev-3'] } },
      202,
    );
    fanOut = await waitForExecution(api, fan.body.execution.id, 'succeeded');

    const delivery = await deliverSigned(server.baseUrl, pushPayload());
    assert.equal(delivery.status, 200, JSON.stringify(delivery.body));
    assert.deepEqual(delivery.body.triggered_jobs, [JOB]);
    deliveryId = delivery.body.delivery_id;

    session = await newPage(browser, { baseURL: server.baseUrl });
    session.page.on('response', (response) => {
      if (response.status() >= 400) failedResponses.push(`${response.status()} ${new URL(response.url()).pathname}`);
    });
    await session.page.goto('/');
    await session.page.waitForURL('**/login');
    await signIn(session.page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
  });

  const heading = () => session.page.getByRole('heading', { level: 1 });

  test('executions: the list shows the runs, and a new run appears live with its final status', async () => {
    const { page } = session;
    await page.goto('/executions');
    await waitForText(heading(), 'Executions');
    const first = page.locator(`a.row[data-id="${firstRun.id}"]`);
    await first.waitFor();
    assert.equal(await first.getAttribute('data-status'), 'succeeded');
    await waitForText(first, JOB);
    await waitForText(first, 'Manual');

    // Started after the page loaded: only the SSE stream can bring it in.
    const run = await api('POST', `/api/v1/jobs/${JOB}/runs`, { params: { day: '2026-02-04' } }, 202);
    const live = page.locator(`a.row[data-id="${run.body.execution.id}"]`);
    await live.waitFor({ timeout: 15_000 });
    await waitForValue(() => live.getAttribute('data-status'), 'succeeded', 15_000);
    // Newest first.
    assert.equal(await page.locator('a.row').first().getAttribute('data-id'), run.body.execution.id);

    // Filter by status: nothing failed.
    await page.getByRole('combobox', { name: 'Status' }).click();
    await page.getByRole('option', { name: 'Failed', exact: true }).click();
    await page.keyboard.press('Escape');
    await waitForText(page.getByTestId('executions-list'), 'No executions match.');
    await page.getByRole('button', { name: 'Clear' }).click();
    await first.waitFor();

    await screenshot(page, '20-executions');
    await checkA11y(page, 'executions');

    await page.setViewportSize({ width: 390, height: 844 });
    await waitForText(page.locator(`a.row[data-id="${firstRun.id}"]`), 'Succeeded');
    // The navigation becomes a closed drawer on narrow screens: let it finish sliding out.
    await page.locator('mat-sidenav').waitFor({ state: 'hidden' });
    await screenshot(page, '20c-executions-narrow');
    await checkA11y(page, 'executions (narrow)');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('execution detail: timeline, masked request, pretty response, retry', async () => {
    const { page } = session;
    await page.locator(`a.row[data-id="${firstRun.id}"]`).click();
    await page.waitForURL(`**/executions/${firstRun.id}`);
    await waitForText(heading(), JOB);
    assert.equal(await page.getByTestId('execution-status').getAttribute('data-status'), 'succeeded');
    const timeline = page.getByTestId('timeline');
    await timeline.locator('[data-step="finished"]').waitFor();
    await timeline.locator('[data-step="queued"]').waitFor();
    const request = page.getByTestId('request');
    await waitForText(request, `${target.url}/reports/2026-02-03`);
    const requestText = await request.textContent();
    assert.ok(!requestText.includes(SECRET_HEADER), 'the secret header value must be masked');
    await waitForText(page.getByTestId('response-body'), '"ok": true');
    await waitForText(page.getByTestId('response'), 'HTTP 200');
    await waitForText(page.getByTestId('params'), '"day": "2026-02-03"');
    assert.equal(await page.getByTestId('job-link').getAttribute('href'), `/jobs/${JOB}`);
    await screenshot(page, '21-execution-detail');
    await checkA11y(page, 'execution detail');

    await page.getByRole('button', { name: 'Retry' }).click();
    // Retry and cancel ask first (Material dialog).
    await page.getByTestId('confirm-yes').click();
    await page.waitForURL((url) => url.pathname.startsWith('/executions/') && !url.pathname.endsWith(firstRun.id));
    await waitForText(page.getByTestId('chain-links'), 'Retry of');
    await waitForValue(() => page.getByTestId('execution-status').getAttribute('data-status'), 'succeeded', 15_000);
  });

  test('execution detail: cancel a running execution', async () => {
    const { page } = session;
    await api(
      'POST',
      '/api/v1/jobs',
      { name: 'e2e-slow', executor: { kind: 'http', url: `${target.url}/slow`, timeoutMs: 120_000 } },
      201,
    );
    const run = await api('POST', '/api/v1/jobs/e2e-slow/runs', {}, 202);
    await waitForExecution(api, run.body.execution.id, 'running');
    await page.goto(`/executions/${run.body.execution.id}`);
    const status = page.getByTestId('execution-status');
    await waitForValue(() => status.getAttribute('data-status'), 'running');
    await page.getByTestId('timeline').locator('[data-step="running"]').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);
    await screenshot(page, '21c-execution-running');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('confirm-yes').click();
    await waitForValue(() => status.getAttribute('data-status'), 'cancelled', 15_000);
    await page.getByTestId('timeline').locator('[data-step="finished"]').waitFor();
    await page.getByRole('button', { name: 'Retry' }).waitFor();
    assert.equal(
      (await api('GET', `/api/v1/executions/${run.body.execution.id}`, undefined, 200)).body.status,
      'cancelled',
    );
  });

  test('execution detail of a fan-out: progress and one child per item', async () => {
    const { page } = session;
    await page.goto(`/executions/${fanOut.id}`);
    await waitForText(heading(), 'e2e-fanout');
    const children = page.getByTestId('children');
    await waitForText(children, '3 done, 0 failed, of 3');
    assert.equal(await children.locator('tbody tr').count(), 3);
    for (const device of ['dev-1', 'dev-2', 'dev-3']) {
      await waitForText(children.locator('tbody tr', { hasText: device }), 'Succeeded');
    }
    await children.locator('tbody tr').first().getByRole('link').click();
    await waitForText(page.getByTestId('chain-links'), 'e2e-fanout');
    await screenshot(page, '21b-execution-child');
    await page.goto(`/executions/${fanOut.id}`);
    await waitForText(page.getByTestId('children'), '3 done');
    await screenshot(page, '21a-execution-fanout');
    await checkA11y(page, 'execution detail (fan-out)');
  });

  test('schedules: create one, see the description and next 5 times as you type, pause it', async () => {
    const { page } = session;
    await page.goto('/schedules');
    await waitForText(heading(), 'Schedules');
    await waitForText(page.locator('main'), 'No schedules yet.');
    await page.getByRole('link', { name: 'New schedule' }).click();
    await page.waitForURL('**/schedules/new');

    await page.getByRole('combobox', { name: 'Job' }).click();
    await page.getByRole('option', { name: /e2e-report/ }).click();
    await page.getByLabel('Name').fill('weekday-morning');
    await page.getByLabel('Cron expression').fill('0 9 * * 1-5');
    await page.getByLabel('Time zone').fill('Asia/Tokyo');
    const preview = page.getByTestId('schedule-preview');
    await waitForText(preview.locator('.description'), 'Asia/Tokyo');
    assert.equal(await preview.locator('li').count(), 5);
    // The times are shown in the schedule's zone.
    await waitForText(preview.locator('li').first(), /9:00:00 AM GMT\+9/);
    assert.ok((await preview.locator('.description').textContent()).trim().length > 5);
    await screenshot(page, '22-schedule-editor');
    await checkA11y(page, 'schedule editor');

    // A bad expression is explained, not saved.
    await page.getByLabel('Cron expression').fill('61 * * * *');
    await preview.getByRole('alert').waitFor();
    await page.getByLabel('Cron expression').fill('0 9 * * 1-5');
    await waitForValue(() => preview.locator('li').count(), 5);

    // The window is typed on the clock of the schedule's zone (not the browser's).
    await waitForText(page.locator('mat-form-field', { hasText: 'Starts at' }), 'on the clock of Asia/Tokyo');
    await page.getByLabel('Starts at').fill('2026-01-05T09:00');

    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((url) => url.pathname === '/schedules');
    const created = (await api('GET', '/api/v1/schedules', undefined, 200)).body.items[0];
    assert.equal(created.startsAt, '2026-01-05T00:00:00.000Z');
    const row = page.locator('tr[data-name="weekday-morning"]');
    await row.waitFor();
    await waitForText(row, JOB);
    await waitForText(row, 'Asia/Tokyo');
    assert.notEqual((await row.locator('td.next').textContent()).trim(), '—');
    await waitForText(row.locator('app-exec-status'), 'Active');
    await screenshot(page, '23-schedules');
    await checkA11y(page, 'schedules');

    await row.getByRole('button', { name: /Pause/ }).click();
    await waitForText(row.locator('app-exec-status'), 'Paused');
    assert.equal((await row.locator('td.next').textContent()).trim(), '—');
    const stored = await api('GET', '/api/v1/schedules', undefined, 200);
    assert.equal(stored.body.items[0].enabled, false);
    await row.getByRole('button', { name: /Resume/ }).click();
    await waitForText(row.locator('app-exec-status'), 'Active');

    // Edit: the form opens filled in; switching to an interval is saved as seconds.
    await row.getByRole('link', { name: 'weekday-morning' }).click();
    await page.waitForURL((url) => /^\/schedules\/[0-9a-f-]{36}$/.test(url.pathname));
    await waitForText(heading(), 'Edit schedule');
    await waitForValue(() => page.getByLabel('Name').inputValue(), 'weekday-morning');
    assert.equal(await page.getByLabel('Cron expression').inputValue(), '0 9 * * 1-5');
    assert.equal(await page.getByRole('combobox', { name: 'Time zone' }).inputValue(), 'Asia/Tokyo');
    assert.equal(await page.getByLabel('Starts at').inputValue(), '2026-01-05T09:00');
    await page.getByRole('radio', { name: 'Interval' }).click();
    await page.getByLabel('Every').fill('90m');
    await waitForText(page.getByTestId('schedule-preview').locator('.description'), /90|1.5|hour/i);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL((url) => url.pathname === '/schedules');
    const edited = (await api('GET', '/api/v1/schedules', undefined, 200)).body.items[0];
    assert.equal(edited.cron, null);
    assert.equal(edited.intervalSeconds, 5400);
    await waitForText(page.locator('tr[data-name="weekday-morning"]'), 'every 5400 s');
  });

  test('webhooks: the signed delivery is listed, explained, and a dry run matches the job', async () => {
    const { page } = session;
    await page.goto('/webhooks');
    await waitForText(heading(), 'Webhooks');
    const row = page.locator(`tr[data-id="${deliveryId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-outcome'), 'triggered');
    await waitForText(row, 'org/reports');
    await waitForText(row, JOB);

    // Arrives while the page is open: the live stream brings it in, with the reason it was skipped.
    const skipped = await deliverSigned(server.baseUrl, pushPayload('Typo fix [skip ci]'));
    assert.equal(skipped.status, 200, JSON.stringify(skipped.body));
    const skippedRow = page.locator(`tr[data-id="${skipped.body.delivery_id}"]`);
    await skippedRow.waitFor({ timeout: 15_000 });
    assert.equal(await skippedRow.getAttribute('data-outcome'), 'skipped');
    await waitForText(skippedRow, '[skip ci]');
    assert.equal(await page.locator('tbody tr').first().getAttribute('data-id'), skipped.body.delivery_id);
    await screenshot(page, '24-webhook-deliveries');
    await checkA11y(page, 'webhook deliveries');

    await row.getByRole('link').click();
    await page.waitForURL(`**/webhooks/deliveries/${deliveryId}`);
    const match = page.getByTestId('delivery-matches').locator(`li[data-job="${JOB}"]`);
    await match.waitFor();
    assert.equal(await match.getAttribute('data-matched'), 'true');
    await waitForText(match, 'reports/weekly.csv');
    await waitForText(page.getByTestId('delivery-executions'), JOB);
    await screenshot(page, '25-webhook-delivery');
    await checkA11y(page, 'webhook delivery');

    await page.getByRole('button', { name: 'Replay' }).click();
    const replayed = page.getByRole('status').filter({ hasText: 'Replayed' });
    await waitForText(replayed, `Replayed: ${JOB}.`);
    await replayed.getByRole('link', { name: 'Open the replay' }).click();
    await waitForText(page.getByTestId('delivery-matches'), JOB);
    await page.getByRole('link', { name: deliveryId }).waitFor();

    await page.goto('/webhooks');
    await page.getByRole('tab', { name: 'Dry run' }).click();
    await page.getByLabel('Payload (JSON)').fill(JSON.stringify(pushPayload(), null, 2));
    await page.getByRole('button', { name: 'Dry run' }).last().click();
    const result = page.getByTestId('dry-run-result');
    await waitForText(result, 'Would start');
    await waitForText(result.locator('dd').nth(1), JOB);
    await waitForText(result.locator(`li[data-job="${JOB}"]`), 'reports/weekly.csv');
    await result.scrollIntoViewIfNeeded();
    await screenshot(page, '26-webhook-dry-run');
    await checkA11y(page, 'webhook dry run');

    await page.getByRole('tab', { name: 'Sources' }).click();
    const sourceForm = page.getByTestId('source-form');
    await sourceForm.getByLabel('Repository').fill('org/other');
    await sourceForm.getByLabel('Secret').fill('another-secret-value');
    await sourceForm.getByLabel('Description').fill('The other repository');
    await sourceForm.getByRole('button', { name: 'Add source' }).click();
    const source = page.getByTestId('sources-table').locator('tr', { hasText: 'org/other' });
    await waitForText(source, 'Set');
    const sources = (await api('GET', '/api/v1/webhooks/sources', undefined, 200)).body.items;
    assert.deepEqual(
      sources.map((s) => [s.repository, s.hasSecret]),
      [['org/other', true]],
    );
    await screenshot(page, '27-webhook-sources');
    await checkA11y(page, 'webhook sources');
    await source.getByRole('button', { name: /Remove/ }).click();
    await waitForText(page.locator('main'), 'No sources');
    assert.deepEqual((await api('GET', '/api/v1/webhooks/sources', undefined, 200)).body.items, []);
  });

  test('settings: create a token (shown once, it works), revoke it (it stops working)', async () => {
    const { page } = session;
    await page.goto('/settings');
    await waitForText(heading(), 'Settings');
    const form = page.getByTestId('token-form');
    await form.getByLabel('Name').fill('e2e-ci');
    await form.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('token-secret');
    await secret.waitFor();
    const token = (await secret.textContent()).trim();
    assert.match(token, /^amk_/);
    const row = page.locator('tr[data-name="e2e-ci"]');
    await row.waitFor();
    assert.equal(await row.getAttribute('data-revoked'), 'false');
    await screenshot(page, '28-settings-token-created');
    await checkA11y(page, 'settings (token created)');

    const me = (t) => fetch(`${server.baseUrl}/api/v1/auth/me`, { headers: { authorization: `Bearer ${t}` } });
    assert.equal((await me(token)).status, 200);

    await page.getByRole('button', { name: 'Done' }).click();
    await row.getByRole('button', { name: /Revoke/ }).click();
    await row.getByRole('button', { name: /Confirm revoke/ }).click();
    await waitForValue(() => row.getAttribute('data-revoked'), 'true');
    await waitForText(row, 'Revoked');
    assert.equal((await me(token)).status, 401);
    assert.equal(await page.getByTestId('token-secret').count(), 0);

    await page.getByRole('tab', { name: 'Users' }).click();
    await waitForText(page.locator('tr[data-username="admin"]'), 'admin');
    await screenshot(page, '29-settings-users');
    await checkA11y(page, 'settings users');

    await page.getByRole('tab', { name: 'Audit log' }).click();
    await waitForText(page.getByTestId('audit-table'), /job/i);
    await screenshot(page, '30-settings-audit');
    await checkA11y(page, 'settings audit');
  });

  test('settings: dates follow a chosen time zone, remembered', async () => {
    const { page } = session;
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Preferences' }).click();
    const form = page.getByTestId('preferences-form');
    await form.getByRole('radio', { name: 'Another zone' }).check();
    await form.getByRole('combobox', { name: 'Time zone' }).fill('Mars/Olympus');
    await form.getByRole('button', { name: 'Save' }).click();
    await waitForText(form.getByRole('alert'), 'not a known time zone');
    await form.getByRole('combobox', { name: 'Time zone' }).fill('Asia/Tokyo');
    await form.getByRole('button', { name: 'Save' }).click();
    await waitForText(page.getByTestId('zone-example'), 'GMT+9');
    // Let the button's ripple fade before checking colours.
    await page.evaluate(() => globalThis.document.activeElement?.blur());
    await page.waitForFunction(() => globalThis.document.getAnimations().length === 0);
    await screenshot(page, '30b-settings-preferences');
    await checkA11y(page, 'settings preferences');

    await page.goto('/executions');
    await waitForText(page.locator(`a.row[data-id="${firstRun.id}"]`), 'GMT+9');
    // The From filter is read on the display zone's clock too.
    const sinceField = page.getByLabel('From (Asia/Tokyo)');
    const listed = page.waitForRequest((r) => r.url().includes('/api/v1/executions?') && r.url().includes('since='));
    await sinceField.fill('2026-03-01T09:00');
    await sinceField.dispatchEvent('change');
    assert.equal(new URL((await listed).url()).searchParams.get('since'), '2026-03-01T00:00:00.000Z');
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Preferences' }).click();
    await page
      .getByTestId('preferences-form')
      .getByRole('radio', { name: /This browser/ })
      .check();
    await page.getByTestId('preferences-form').getByRole('button', { name: 'Save' }).click();
    await waitForValue(async () => (await page.getByTestId('zone-example').textContent()).includes('GMT+9'), false);
    assert.equal(await page.evaluate(() => localStorage.getItem('api-manager.timeZone')), null);
    await page.goto('/executions');
    const row = page.locator(`a.row[data-id="${firstRun.id}"]`);
    await waitForText(row, JOB);
    assert.ok(!(await row.textContent()).includes('GMT+9'));
  });

  test('the screens in Japanese', async () => {
    const { page } = session;
    await page.goto('/executions');
    await page.getByRole('radio', { name: '日本語' }).click();
    await waitForText(heading(), '実行履歴');
    await waitForText(page.locator(`a.row[data-id="${firstRun.id}"]`), '成功');
    await screenshot(page, '31-executions-ja');
    await checkA11y(page, 'executions (ja)');
    await page.goto('/schedules/new');
    await waitForText(heading(), '新規スケジュール');
    await page.getByLabel('cron 式').fill('*/15 * * * *');
    await waitForValue(() => page.getByTestId('schedule-preview').locator('li').count(), 5);
    await screenshot(page, '32-schedule-editor-ja');
    await checkA11y(page, 'schedule editor (ja)');
    await page.goto('/webhooks');
    await waitForText(page.locator(`tr[data-id="${deliveryId}"]`), '起動');
    await screenshot(page, '34-webhooks-ja');
    await checkA11y(page, 'webhooks (ja)');
    await page.goto('/settings');
    await page.getByTestId('token-form').waitFor();
    await waitForText(page.getByTestId('tokens-table'), '失効');
    await screenshot(page, '35-settings-ja');
    await checkA11y(page, 'settings (ja)');
    await page.getByRole('radio', { name: 'English' }).click();
    await waitForText(heading(), 'Settings');
  });

  test('executions: endless scrolling over 10,000 rows keeps the DOM small (cursor pages, virtual scroll)', async () => {
    const { context, page } = await newPage(browser, { baseURL: server.baseUrl });
    try {
      await signIn(page);
      // Synthetic cursor pages (the list UI is under test here, not the query): 10,000 rows, newest first.
      const TOTAL = 10_000;
      const cursors = [];
      await page.route('**/api/v1/executions?*', (route) => {
        const url = new URL(route.request().url());
        const limit = Number(url.searchParams.get('limit') ?? 50);
        const start = Number(url.searchParams.get('cursor') ?? 0);
        cursors.push(start);
        const items = [];
        for (let i = start; i < Math.min(TOTAL, start + limit); i++) {
          const at = new Date(Date.UTC(2026, 0, 1) - i * 60_000).toISOString();
          items.push({
            ...firstRun,
            id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            status: i % 7 === 0 ? 'failed' : 'succeeded',
            createdAt: at,
            jobName: `synthetic-${i}`,
          });
        }
        const next = start + limit < TOTAL ? String(start + limit) : null;
        return route.fulfill({ contentType: 'application/json', body: JSON.stringify({ items, nextCursor: next }) });
      });
      await page.goto('/executions');
      const viewport = page.locator('cdk-virtual-scroll-viewport');
      await page.locator('a.row[data-id$="000000000000"]').waitFor();
      const shown = () => page.getByTestId('executions-list').locator('.foot .muted').first().textContent();
      for (let round = 0; round < 400 && !(await shown()).includes('10000 shown'); round++) {
        await viewport.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
        await new Promise((r) => setTimeout(r, 25));
      }
      await waitForText(page.getByTestId('executions-list').locator('.foot'), '10000 shown');
      await waitForText(page.getByTestId('executions-list').locator('.foot'), 'End of the list');
      await viewport.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await page.locator('a.row[data-id$="000000009999"]').waitFor();
      assert.ok((await page.locator('a.row').count()) < 80, 'only the visible rows are in the DOM');
      // Every older page exactly once, in order (the head page is also refetched when the live stream (re)connects).
      const older = cursors.filter((c) => c !== 0);
      assert.deepEqual(
        older,
        Array.from({ length: TOTAL / 50 - 1 }, (_, i) => (i + 1) * 50),
      );
      await screenshot(page, '20b-executions-10k');
    } finally {
      await context.close();
    }
  });

  test('deleting a job asks once, then deletes it', async () => {
    const { page } = session;
    await api(
      'POST',
      '/api/v1/jobs',
      { name: 'e2e-doomed', executor: { kind: 'http', url: 'http://127.0.0.1:9/x' } },
      201,
    );
    await page.goto('/jobs/e2e-doomed?tab=edit');
    await waitForValue(() => page.getByLabel('Name', { exact: true }).inputValue(), 'e2e-doomed');
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    // The first click only asks; nothing is deleted yet.
    const confirm = page.getByRole('button', { name: 'Delete e2e-doomed, its schedules and run history?' });
    await confirm.waitFor();
    assert.equal((await api('GET', '/api/v1/jobs/e2e-doomed')).status, 200);
    await confirm.click();
    await page.waitForURL((url) => url.pathname === '/jobs');
    assert.equal((await api('GET', '/api/v1/jobs/e2e-doomed')).status, 404);
  });

  test('a viewer sees the screens without the buttons of actions the role cannot perform', async () => {
    await api('POST', '/api/v1/users', { username: 'e2e-viewer', password: 'viewer-password-42', role: 'viewer' }, 201);
    const { context, page } = await newPage(browser, { baseURL: server.baseUrl });
    try {
      await signIn(page, 'e2e-viewer', 'viewer-password-42');
      await page.goto(`/executions/${firstRun.id}`);
      await waitForText(page.getByRole('heading', { level: 1 }), JOB);
      await page.getByTestId('response').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Retry' }).count(), 0);

      await page.goto('/schedules');
      await page.locator('tr[data-name="weekday-morning"]').waitFor();
      assert.equal(await page.getByRole('link', { name: 'New schedule' }).count(), 0);
      assert.equal(await page.getByRole('button', { name: /Pause|Resume/ }).count(), 0);

      await page.goto(`/webhooks/deliveries/${deliveryId}`);
      await page.getByTestId('delivery-matches').waitFor();
      assert.equal(await page.getByRole('button', { name: 'Replay' }).count(), 0);

      await page.goto('/settings');
      await page.getByTestId('token-form').waitFor();
      assert.deepEqual(
        (await page.getByRole('tab').allTextContents()).map((t) => t.trim()),
        ['API tokens', 'Notifications', 'Preferences'],
      );
      await screenshot(page, '33-settings-viewer');
      await checkA11y(page, 'settings (viewer)');
      // Viewers list notification channels but cannot add, test or delete them.
      await page.getByRole('tab', { name: 'Notifications' }).click();
      await page.getByTestId('channels-table').waitFor();
      assert.equal(await page.getByTestId('channel-form').count(), 0);
      assert.equal(await page.getByRole('button', { name: /Send test/ }).count(), 0);
    } finally {
      await context.close();
    }
  });

  test('no errors in the browser console', () => {
    assert.deepEqual(failedResponses, ['400 /api/v1/schedules/preview']);
    const unexpected = session.errors.filter((e) => !e.includes('status of 400 (Bad Request)'));
    assert.deepEqual(unexpected, []);
  });
});
