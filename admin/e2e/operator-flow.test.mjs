// The operator's main flow in real Chromium against the real server and a local HTTP target:
// sign in → create a job with a secret header (and see the API's field error first) → preview →
// run it with params → watch it succeed live → dashboard → Japanese.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  E2E_ADMIN_PASSWORD,
  checkA11y,
  dialogSettled,
  freePort,
  launchBrowser,
  newPage,
  screenshot,
  signIn,
  startServer,
  waitForText,
  waitForValue,
} from './helpers.mjs';

const SECRET = 'sk-live-very-secret-0042';

/** Drops the console errors a step caused on purpose (e.g. the 400 of a refused save), keeping any other. */
function dropExpected(errors, status) {
  const rest = errors.filter((e) => !e.includes(`status of ${status} `));
  errors.splice(0, errors.length, ...rest);
}

/** The session's CSRF token (double-submit cookie), for API calls made next to the UI. */
async function csrfHeaders(page) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'apm_csrf')?.value;
  return { 'X-CSRF-Token': csrf ?? '' };
}

/**
 * The shell scrolls inside its content pane, so a full-page screenshot would only show the
 * viewport: grow the viewport to the content's height for the shot, then restore it.
 */
async function fullShot(page, name) {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  const height = await page.evaluate(() => {
    const content = globalThis.document.querySelector('mat-sidenav-content');
    return content ? content.scrollHeight + 64 : globalThis.document.documentElement.scrollHeight;
  });
  await page.setViewportSize({ width: size.width, height: Math.min(Math.max(height, size.height), 4000) });
  try {
    await screenshot(page, name);
  } finally {
    await page.setViewportSize(size);
  }
}

/** A local API the job calls: records every request, answers JSON. */
async function startTarget() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  const port = await freePort();
  await new Promise((resolveListen) => server.listen(port, '127.0.0.1', resolveListen));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

describe('operator flow', { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let server;
  /** @type {Awaited<ReturnType<typeof startTarget>>} */
  let target;
  /** @type {import('playwright-core').Browser} */
  let browser;
  /** @type {Awaited<ReturnType<typeof newPage>>} */
  let session;

  before(async () => {
    [server, target, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      startTarget(),
      launchBrowser(),
    ]);
    session = await newPage(browser, { baseURL: server.baseUrl });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
  });

  const heading = () => session.page.getByRole('heading', { level: 1 });

  test('an anonymous visit goes to the login page; a wrong password is refused', async () => {
    const { page } = session;
    await page.goto('/jobs');
    await page.waitForURL('**/login?returnUrl=%2Fjobs');
    await waitForText(heading(), 'Sign in');
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await waitForText(page.getByTestId('login-error'), 'Wrong username or password');
    await screenshot(page, 'op-01-login');
    await checkA11y(page, 'login');
  });

  test('signs in and comes back to the page asked for, with the role in the toolbar', async () => {
    const { page } = session;
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill(E2E_ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/jobs');
    await waitForText(page.getByTestId('current-user'), 'Admin');
    await waitForText(heading(), 'Jobs');
    // The wrong password above logged a 401 in the console: that one was expected.
    dropExpected(session.errors, 401);
  });

  test('creates a job with a secret header; the API’s 400 shows next to the field', async () => {
    const { page } = session;
    await page.getByTestId('new-job').click();
    await page.waitForURL('**/jobs/new');
    await page.getByLabel('Name', { exact: true }).fill('daily-report');
    await page.getByLabel('Title').fill('Daily report');
    await page.getByLabel('Group').fill('psychology');
    await page.getByLabel('Time zone').fill('Asia/Tokyo');
    await page.getByTestId('field-url').fill('ftp://example.com/report');

    await page.getByTestId('add-header').click();
    const header = page.locator('[data-header="0"]');
    await header.getByLabel('Header').fill('X-Api-Key');
    await header.getByLabel('Value').fill(SECRET);
    await header.getByRole('checkbox', { name: 'Secret' }).check();
    await waitForValue(() => header.getByLabel('Value').getAttribute('type'), 'password');

    await page.getByTestId('add-param').click();
    const param = page.locator('[data-param-row="0"]');
    await param.getByLabel('Name').fill('day');
    await param.getByLabel('Type').click();
    await page.getByRole('option', { name: 'Date', exact: true }).click();
    await param.getByRole('checkbox', { name: 'Required' }).check();

    await page.getByTestId('save-job').click();
    await waitForText(page.getByTestId('job-errors'), 'executor.url');
    const urlField = page.locator('mat-form-field').filter({ has: page.getByTestId('field-url') });
    await waitForText(urlField.locator('mat-error'), 'executor.url');
    assert.equal(await page.getByTestId('field-url').getAttribute('aria-invalid'), 'true');
    await fullShot(page, 'op-02-job-field-error');
    await checkA11y(page, 'job editor (errors)');
    // That 400 was the point: it is in the console as a failed resource load.
    dropExpected(session.errors, 400);

    await page.getByTestId('field-url').fill(`${target.url}/report/{{ params.day }}`);
    await page.getByTestId('save-job').click();
    await page.waitForURL('**/jobs/daily-report?tab=edit');
    await waitForText(heading(), 'Daily report');
    // The stored secret is never sent back: the field is empty, with a placeholder.
    await waitForValue(() => page.locator('[data-header="0"]').getByLabel('Value').inputValue(), '');
    assert.equal(await page.content().then((html) => html.includes(SECRET)), false);
    await fullShot(page, 'op-03-job-saved');
    await checkA11y(page, 'job editor');
  });

  test('previews the request for given params, the secret masked', async () => {
    const { page } = session;
    const preview = page.getByTestId('preview');
    await preview.locator('[data-param="day"] input').fill('2026-11-30');
    await page.getByTestId('preview-button').click();
    await page
      .getByTestId('rendered')
      .waitFor({ timeout: 10_000 })
      .catch(async (error) => {
        await fullShot(page, 'op-04-preview-failed');
        throw error;
      });
    await waitForText(page.getByTestId('rendered-url'), `${target.url}/report/2026-11-30`);
    const rendered = await page.getByTestId('rendered').textContent();
    assert.match(rendered ?? '', /X-Api-Key\s*\*\*\*/i);
    assert.equal(rendered?.includes(SECRET), false);
    assert.equal(target.requests.length, 0, 'a preview sends nothing');
    await page.getByTestId('preview').scrollIntoViewIfNeeded();
    await fullShot(page, 'op-04-preview');
    await checkA11y(page, 'preview');
  });

  test('runs the job with params and watches it succeed live', async () => {
    const { page } = session;
    await page.getByTestId('editor-run').click();
    const dialog = page.getByRole('dialog');
    await waitForText(dialog.getByRole('heading'), 'Run Daily report');
    await dialog.locator('[data-param="day"] input').fill('2026-12-01');
    await dialogSettled(page);
    await screenshot(page, 'op-05-run-dialog');
    await checkA11y(page, 'run dialog');
    await dialog.getByTestId('run-submit').click();

    const live = dialog.getByTestId('run-live');
    await live.waitFor();
    await waitForValue(() => live.locator('app-exec-status').first().getAttribute('data-status'), 'succeeded', 30_000);
    await waitForText(live, 'Succeeded');
    assert.equal(target.requests.length, 1);
    assert.equal(target.requests[0].url, '/report/2026-12-01');
    assert.equal(target.requests[0].headers['x-api-key'], SECRET);
    const href = await dialog.getByTestId('open-execution').getAttribute('href');
    assert.match(href ?? '', /^\/executions\/[0-9a-f-]{36}$/);
    await screenshot(page, 'op-06-run-succeeded');
    await checkA11y(page, 'run dialog (done)');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('the list shows the last run; disabling and enabling goes through (CSRF header sent)', async () => {
    const { page } = session;
    await page.getByRole('link', { name: 'All jobs' }).click();
    await page.waitForURL(/\/jobs$/);
    const row = page.locator('tr[data-job="daily-report"]');
    await waitForValue(() => row.locator('app-exec-status').getAttribute('data-status'), 'succeeded');
    const toggle = row.getByRole('switch');
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    const patched = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().includes('/jobs/'));
    await toggle.click();
    assert.equal((await patched).status(), 200);
    await waitForValue(() => toggle.getAttribute('aria-checked'), 'false');
    assert.equal(await row.getByRole('button', { name: 'Run Daily report' }).isDisabled(), true);
    await toggle.click();
    await waitForValue(() => toggle.getAttribute('aria-checked'), 'true');
    await page.getByLabel('Search jobs').fill('nothing-like-this');
    await waitForText(page.locator('.empty'), 'No jobs match');
    await page.getByLabel('Search jobs').fill('daily');
    await row.waitFor();
    await fullShot(page, 'op-07-jobs-list');
    await checkA11y(page, 'jobs list');
  });

  test('the dashboard groups the job, shows its success rate and updates live', async () => {
    const { page } = session;
    await page.goto('/');
    const group = page.locator('section[data-group="psychology"]');
    const row = group.locator('tr[data-job="daily-report"]');
    await waitForText(row.locator('[data-cell="success"]'), '100%');
    await waitForValue(() => page.getByTestId('live-indicator').getAttribute('data-state'), 'open');
    await waitForText(page.locator('[data-total="succeeded"] .value'), '1');

    // A run started elsewhere (the REST API) shows up without a reload.
    const response = await page.request.post('/api/v1/jobs/daily-report/runs', {
      data: { params: { day: '2026-12-02' } },
      headers: await csrfHeaders(page),
    });
    assert.equal(response.status(), 202);
    await waitForText(page.locator('[data-total="succeeded"] .value'), '2', 20_000);
    await waitForText(row.locator('[data-cell="success"]'), '(2/2)');
    // The 24 h history: one bar per run, labelled for screen readers.
    await waitForValue(() => row.locator('[data-cell="history"]').getAttribute('data-runs'), '2');
    assert.equal(await row.locator('[data-cell="history"] .bar.good').count(), 2);
    assert.match(
      (await row.locator('[data-cell="history"]').getAttribute('aria-label')) ?? '',
      /2 runs in the last 24 hours, 0 failed/,
    );
    assert.equal(target.requests.length, 2);
    await fullShot(page, 'op-08-dashboard');
    await checkA11y(page, 'dashboard');
  });

  test('a fan-out run: the list input counts the children, the dialog shows per-item status', async () => {
    const { page } = session;
    const created = await page.request.post('/api/v1/jobs', {
      headers: await csrfHeaders(page),
      data: {
        name: 'device-sync',
        title: 'Device sync',
        group: 'behavior',
        executor: { kind: 'http', url: `${target.url}/sync`, query: { device: '{{ params.devices }}' } },
        params: [{ name: 'devices', title: 'Devices', type: 'string[]', fanOut: true, required: true }],
      },
    });
    assert.equal(created.status(), 201);
    const before = target.requests.length;
    await page.goto('/jobs');
    await page.getByRole('button', { name: 'Run Device sync' }).click();
    const dialog = page.getByRole('dialog');
    const devices = dialog.getByLabel('Devices');
    await devices.fill('tablet-1\ntablet-2\n\ntablet-3');
    await waitForText(dialog.getByTestId('fanout-count'), '3 items: creates 3 child executions');
    await dialog.getByTestId('run-submit').click();
    const live = dialog.getByTestId('run-live');
    await waitForValue(() => live.locator('app-exec-status').first().getAttribute('data-status'), 'succeeded', 30_000);
    await waitForText(live.getByTestId('run-progress'), '3 of 3 done, 0 failed');
    const items = live.locator('.children li');
    await waitForValue(() => items.count(), 3);
    assert.deepEqual((await items.locator('code').allTextContents()).map((t) => t.trim()).sort(), [
      'tablet-1',
      'tablet-2',
      'tablet-3',
    ]);
    await waitForValue(() => live.locator('.children [data-status="succeeded"]').count(), 3);
    assert.deepEqual(
      target.requests
        .slice(before)
        .map((r) => r.url)
        .sort(),
      ['/sync?device=tablet-1', '/sync?device=tablet-2', '/sync?device=tablet-3'],
    );
    await screenshot(page, 'op-09-fanout');
    await checkA11y(page, 'run dialog (fan-out)');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
  });

  test('a chain picks the next job and maps params; a cycle is refused with the API’s message', async () => {
    const { page } = session;
    await page.goto('/jobs/daily-report?tab=edit');
    await waitForText(heading(), 'Daily report');
    await page.getByRole('button', { name: 'Add job' }).first().click();
    await page.getByRole('combobox', { name: 'Job' }).click();
    await page.getByRole('option', { name: 'device-sync' }).click();
    await page
      .getByLabel(/^Params \(JSON, templates over parent/)
      .fill('{"devices": "chained-{{ parent.params.day }}"}');
    await page.getByTestId('save-job').click();
    await waitForText(page.getByRole('status'), 'Saved.');

    const response = await page.request.post('/api/v1/jobs/daily-report/runs', {
      data: { params: { day: '2026-12-03' } },
      headers: await csrfHeaders(page),
    });
    assert.equal(response.status(), 202);
    await waitForValue(() => target.requests.some((r) => r.url === '/sync?device=chained-2026-12-03'), true, 20_000);

    await page.goto('/jobs/device-sync?tab=edit');
    await waitForText(heading(), 'Device sync');
    await page.getByRole('button', { name: 'Add job' }).first().click();
    await page.getByRole('combobox', { name: 'Job' }).click();
    await page.getByRole('option', { name: 'daily-report' }).click();
    await page.getByTestId('save-job').click();
    await waitForText(page.getByTestId('job-errors'), 'cycle');
    await fullShot(page, 'op-09a-chain-cycle');
    await checkA11y(page, 'job editor (cycle)');
    dropExpected(session.errors, 400);
  });

  test('the webhook trigger box tests watch patterns against pasted paths', async () => {
    const { page } = session;
    await page.goto('/jobs/new');
    await page.getByTestId('add-trigger').click();
    await page.getByLabel('Repository').fill('acme/watchme');
    await page.getByLabel(/Watched files/).fill('src/**/*.ts\n!src/**/*.spec.ts');
    await page.getByLabel('Test these paths against the patterns').fill('src/a/b.ts\nsrc/a/b.spec.ts\nREADME.md');
    const results = page.getByTestId('pattern-results').locator('li');
    await waitForValue(() => results.count(), 3);
    assert.deepEqual(await results.evaluateAll((items) => items.map((li) => li.getAttribute('data-matched'))), [
      'true',
      'false',
      'false',
    ]);
    await waitForText(results.first(), 'matches');
    await page.getByTestId('pattern-results').scrollIntoViewIfNeeded();
    await screenshot(page, 'op-09b-trigger-patterns');
    await checkA11y(page, 'job editor (trigger patterns)');
  });

  test('when the session ends, the next API call leads to the login page and back', async () => {
    const { context, page, errors } = await newPage(browser, { baseURL: server.baseUrl });
    try {
      await page.goto('/login');
      await signIn(page);
      await page.goto('/jobs');
      await page.locator('tr[data-job="daily-report"]').waitFor();
      // The server forgets the session (as after SESSION_TTL_HOURS or a sign-out elsewhere).
      const logout = await page.request.post('/api/v1/auth/logout', { headers: await csrfHeaders(page) });
      assert.equal(logout.status(), 204);
      // Any API call now gets a 401: a search does one (a live status reload may come first, also fine).
      await page
        .getByLabel('Search jobs')
        .fill('daily', { timeout: 2_000 })
        .catch(() => undefined);
      await page.waitForURL('**/login?returnUrl=%2Fjobs');
      await signIn(page);
      await page.waitForURL(/\/jobs$/);
      // The 401 that sent us to the login page is the only console error.
      assert.deepEqual(
        errors.filter((e) => !e.includes('401')),
        [],
      );
    } finally {
      await context.close();
    }
  });

  test('a viewer sees the jobs but no buttons to change or run them', async () => {
    const { page } = session;
    const password = 'viewer-password-123';
    const user = await page.request.post('/api/v1/users', {
      headers: await csrfHeaders(page),
      data: { username: 'vera', password, role: 'viewer', displayName: 'Vera Viewer' },
    });
    assert.equal(user.status(), 201);
    const viewer = await newPage(browser, { baseURL: server.baseUrl });
    try {
      await viewer.page.goto('/jobs');
      await viewer.page.waitForURL('**/login?returnUrl=%2Fjobs');
      await signIn(viewer.page, 'vera', password);
      await viewer.page.waitForURL(/\/jobs$/);
      await waitForText(viewer.page.getByTestId('current-user'), 'Viewer');
      const row = viewer.page.locator('tr[data-job="daily-report"]');
      await waitForText(row, 'Enabled');
      assert.equal(await viewer.page.getByTestId('new-job').count(), 0);
      assert.equal(await row.getByRole('switch').count(), 0);
      assert.equal(await row.getByRole('button').count(), 0);
      await viewer.page.goto('/jobs/daily-report?tab=edit');
      await waitForText(viewer.page.getByRole('heading', { level: 1 }), 'Daily report');
      assert.equal(await viewer.page.getByTestId('save-job').count(), 0);
      assert.equal(await viewer.page.getByTestId('editor-run').count(), 0);
      assert.equal(await viewer.page.getByTestId('field-url').isDisabled(), true);
      await screenshot(viewer.page, 'op-10-viewer-jobs');
      assert.deepEqual(viewer.errors, []);
    } finally {
      await viewer.context.close();
    }
  });

  test('switches to Japanese', async () => {
    const { page } = session;
    await page.goto('/');
    await waitForText(heading(), 'Dashboard');
    await page.getByRole('radiogroup', { name: 'Language' }).getByRole('radio', { name: '日本語' }).click();
    await waitForValue(() => page.locator('html').getAttribute('lang'), 'ja');
    await waitForText(heading(), 'ダッシュボード');
    await waitForText(page.locator('[data-total="succeeded"] .label'), '成功');
    await waitForText(page.getByTestId('current-user'), '管理者');
    await fullShot(page, 'op-11-dashboard-ja');
    await checkA11y(page, 'dashboard (ja)');

    await page.goto('/jobs/daily-report?tab=edit');
    await waitForText(page.getByRole('heading', { level: 2 }).first(), '基本情報');
    await page.getByTestId('editor-run').click();
    await waitForText(page.getByRole('dialog').getByRole('heading'), 'Daily report を実行');
    await dialogSettled(page);
    await screenshot(page, 'op-12-run-dialog-ja');
    await checkA11y(page, 'run dialog (ja)');
    await page.keyboard.press('Escape');
  });

  test('on a narrow screen the jobs list and the dashboard stay usable', async () => {
    const { page } = session;
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto('/jobs');
      await page.locator('tr[data-job="daily-report"]').waitFor();
      await screenshot(page, 'op-13-mobile-jobs');
      await checkA11y(page, 'jobs list (narrow)');
      await page.goto('/');
      await page.locator('tr[data-job="daily-report"]').waitFor();
      await screenshot(page, 'op-14-mobile-dashboard');
      await checkA11y(page, 'dashboard (narrow)');
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 });
    }
  });

  test('signs out', async () => {
    const { page } = session;
    await page.getByTestId('user-menu').click(); // sign out lives in the account menu
    await page.getByRole('button', { name: 'ログアウト' }).click();
    await page.waitForURL('**/login');
    await waitForText(heading(), 'ログイン');
    await page.goto('/');
    await page.waitForURL('**/login');
  });

  test('no errors in the browser console', () => {
    assert.deepEqual(session.errors, []);
  });
});
