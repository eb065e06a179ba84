// Issue 20, the operator's day: change my password, an admin resets a viewer's, no self-lockout;
// the run dialog shows the defaults a run will get (3 items, today's date in Asia/Tokyo);
// names instead of ids. Screenshots of the changed screens in en and ja, 1366 and 390 wide.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import {
  E2E_ADMIN_PASSWORD,
  checkA11y,
  csrfHeaders,
  dialogSettled,
  freePort,
  newPage,
  screenshot,
  signIn,
  startSignedIn,
  waitForText,
  waitForValue,
} from './helpers.mjs';

const NEW_ADMIN_PASSWORD = 'e2e-admin-password-new-7';

/** Today in a zone as YYYY-MM-DD (what `{{ 'today' | in_zone: zone }}` gives). */
function todayIn(zone) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );
}

/** A local API the fan-out job calls. */
async function startTarget() {
  const requests = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push(req.url);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

describe("the operator's day", { timeout: 300_000 }, () => {
  let setup;
  let server;
  let target;
  let browser;
  let session;
  let password = E2E_ADMIN_PASSWORD;

  before(async () => {
    setup = await startSignedIn({ extra: [startTarget], page: { viewport: { width: 1366, height: 800 } }, path: '/' });
    ({ server, browser, session } = setup);
    [target] = setup.extras;
  });

  after(() => setup?.close());

  test('changes my password from the user menu, signs out and in with the new one', async () => {
    const { page } = session;
    await page.getByTestId('user-menu').click();
    await page.getByTestId('change-password').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await dialog.getByLabel('Current password').fill(E2E_ADMIN_PASSWORD);
    await dialog.getByLabel('New password', { exact: true }).fill(NEW_ADMIN_PASSWORD);
    await dialog.getByLabel('New password again').fill('something-else-entirely');
    await waitForText(dialog, 'The two new passwords differ.');
    assert.equal(await dialog.getByRole('button', { name: 'Change password' }).isDisabled(), true);
    await dialog.getByLabel('New password again').fill(NEW_ADMIN_PASSWORD);
    await checkA11y(page, 'change password dialog');
    await dialog.getByRole('button', { name: 'Change password' }).click();
    await waitForText(page.locator('mat-snack-bar-container'), 'Password changed');
    password = NEW_ADMIN_PASSWORD;

    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login**');
    const old = await page.request.post('/api/v1/auth/login', {
      data: { username: 'admin', password: E2E_ADMIN_PASSWORD },
    });
    assert.equal(old.status(), 401);
    await signIn(page, 'admin', NEW_ADMIN_PASSWORD);
    await waitForText(page.getByTestId('current-user'), 'Admin');
    session.errors.length = 0;
  });

  test("an admin resets a viewer's password; their own row cannot be disabled", async () => {
    const { page } = session;
    const created = await page.request.post('/api/v1/users', {
      headers: await csrfHeaders(page),
      data: { username: 'vera', password: 'vera-password-1', role: 'viewer' },
    });
    assert.equal(created.status(), 201);
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Users' }).click();
    const own = page.locator('tr[data-username="admin"]');
    await waitForText(own, 'you');
    assert.equal(await own.getByRole('button', { name: /Disable/ }).count(), 0);
    assert.equal(await own.locator('mat-select').getAttribute('aria-disabled'), 'true');

    const row = page.locator('tr[data-username="vera"]');
    await row.getByTestId('reset-password').click();
    const dialog = page.getByRole('dialog');
    await dialogSettled(page);
    await waitForText(dialog.getByRole('heading'), 'Reset the password of vera');
    await dialog.getByLabel('New password').fill('vera-password-2');
    await dialog.getByRole('button', { name: 'Set password' }).click();
    await waitForText(page.locator('mat-snack-bar-container'), 'The password of vera was reset.');

    const vera = await newPage(browser, { baseURL: server.baseUrl });
    await vera.page.goto('/login');
    await signIn(vera.page, 'vera', 'vera-password-2');
    await waitForText(vera.page.getByTestId('current-user'), 'Viewer');
    await vera.context.close();

    // the audit log names the target instead of its id
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await waitForText(page.getByTestId('audit-target-name').first(), /vera|admin/);
    assert.deepEqual(session.errors, []);
  });

  test('the run dialog shows the 3 default items and the date resolved in Asia/Tokyo', async () => {
    const { page } = session;
    const created = await page.request.post('/api/v1/jobs', {
      headers: await csrfHeaders(page),
      data: {
        name: 'device-report',
        title: 'Device report',
        executor: {
          kind: 'http',
          url: `${target.url}/report`,
          query: { device: '{{ params.device_id }}', date: '{{ params.date }}' },
        },
        params: [
          { name: 'device_id', title: 'Devices', type: 'string[]', fanOut: true, default: ['dev-a', 'dev-b', 'dev-c'] },
          { name: 'date', title: 'Date', type: 'date', default: "{{ 'today' | in_zone: 'Asia/Tokyo' }}" },
        ],
      },
    });
    assert.equal(created.status(), 201);
    await page.goto('/jobs');
    await page.getByRole('button', { name: 'Run Device report' }).click();
    const dialog = page.getByRole('dialog');
    await waitForText(
      dialog.getByTestId('fanout-count'),
      'Empty: the default, 3 items (dev-a, dev-b, dev-c): creates 3 child executions',
    );
    const today = todayIn('Asia/Tokyo');
    await waitForText(dialog.getByTestId('resolved-default'), `Empty: the default, ${today} (in Asia/Tokyo)`);
    assert.equal((await dialog.textContent())?.includes('in_zone'), false, 'no raw template');
    await dialogSettled(page);
    await checkA11y(page, 'run dialog with defaults');
    await dialog.getByTestId('run-submit').click();
    const live = dialog.getByTestId('run-live');
    await waitForValue(() => live.locator('app-exec-status').first().getAttribute('data-status'), 'succeeded', 30_000);
    await waitForText(live.getByTestId('run-progress'), '3 of 3 done, 0 failed');
    assert.deepEqual(
      target.requests.sort(),
      ['dev-a', 'dev-b', 'dev-c'].map((d) => `/report?date=${today}&device=${d}`),
    );
    // the execution names who started it
    await live.getByTestId('open-execution').click();
    await waitForText(page.getByTestId('trigger-name'), 'admin');
  });

  test('screenshots of the changed screens (en, ja; 1366 and 390 wide)', async () => {
    for (const locale of ['en-US', 'ja-JP']) {
      for (const width of [1366, 390]) {
        const tag = `${locale.slice(0, 2)}-${width}`;
        const s = await newPage(browser, { baseURL: server.baseUrl, locale, viewport: { width, height: 860 } });
        const { page } = s;
        await page.goto('/login');
        await signIn(page, 'admin', password);
        await page.getByTestId('user-menu').click();
        await page.locator('#account-menu').waitFor();
        await screenshot(page, `day-${tag}-user-menu`);
        await page.getByTestId('change-password').click();
        await dialogSettled(page);
        await screenshot(page, `day-${tag}-change-password`);
        await page.keyboard.press('Escape');
        await page.goto('/settings');
        await page.getByRole('tab', { name: /^(Users|ユーザー)$/ }).click();
        await page.locator('tr[data-username="vera"]').waitFor();
        await screenshot(page, `day-${tag}-users`);
        await page.locator('tr[data-username="vera"]').getByTestId('reset-password').click();
        await dialogSettled(page);
        await screenshot(page, `day-${tag}-reset-password`);
        await page.keyboard.press('Escape');
        await page.getByRole('tab', { name: /^(Audit log|監査ログ)$/ }).click();
        await page.getByTestId('audit-target-name').first().waitFor();
        await screenshot(page, `day-${tag}-audit`);
        await page.goto('/executions');
        await page.locator('a.row[href*="/executions/"]').first().waitFor();
        await screenshot(page, `day-${tag}-executions`);
        await page.locator('a.row[href*="/executions/"]').first().click();
        await page.getByTestId('job-link').waitFor();
        await screenshot(page, `day-${tag}-execution`);
        await page.goto('/jobs');
        await page
          .getByRole('button', { name: /Device report/ })
          .first()
          .click();
        await page.getByRole('dialog').getByTestId('resolved-default').waitFor();
        await dialogSettled(page);
        await screenshot(page, `day-${tag}-run-dialog`);
        await s.context.close();
      }
    }
  });
});
