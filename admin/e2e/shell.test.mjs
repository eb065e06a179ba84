// The admin shell in real Chromium against the real server (dist/server + dist/admin).
import assert from 'node:assert/strict';
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

const NAV_EN = ['Dashboard', 'Jobs', 'Schedules', 'Executions', 'Pipelines', 'Webhooks', 'Settings', 'Health'];
const NAV_JA = ['ダッシュボード', 'ジョブ', 'スケジュール', '実行履歴', 'パイプライン', 'Webhook', '設定', 'ヘルス'];

describe('admin shell', { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let server;
  /** @type {import('playwright-core').Browser} */
  let browser;
  /** @type {Awaited<ReturnType<typeof newPage>>} */
  let session;

  before(async () => {
    [server, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      launchBrowser(),
    ]);
    session = await newPage(browser, { baseURL: server.baseUrl });
    // Everything is behind the login page now: signing in once keeps the session cookie.
    await session.page.goto('/');
    await session.page.waitForURL('**/login');
    await signIn(session.page);
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const nav = () => session.page.getByRole('navigation', { name: /Main navigation|メイン/ });
  const heading = () => session.page.getByRole('heading', { level: 1 });
  const language = (group, name) => session.page.getByRole('radiogroup', { name: group }).getByRole('radio', { name });
  const navLabels = async () => (await nav().getByRole('link').allTextContents()).map((text) => text.trim());

  test('opens the dashboard inside the shell', async () => {
    const { page } = session;
    const response = await page.goto('/');
    assert.equal(response?.status(), 200);

    await waitForText(page.getByRole('banner'), 'API Manager');
    await waitForText(heading(), 'Dashboard');
    assert.deepEqual(await navLabels(), NAV_EN);
    assert.equal(await nav().getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current'), 'page');
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    assert.equal(await page.title(), 'Dashboard · API Manager');

    const readiness = page.getByTestId('readiness-card');
    await readiness.locator('[data-check="database"]').waitFor();
    await waitForText(readiness.locator('app-status-badge'), 'Ready');
    await waitForText(page.getByTestId('jobs-card'), 'No jobs yet');

    await screenshot(page, '01-dashboard');
    await checkA11y(page, 'dashboard');
  });

  test('the skip link is the first stop of the keyboard', async () => {
    const { page } = session;
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    assert.equal(await skip.evaluate((el) => el === el.ownerDocument.activeElement), true);
    await page.keyboard.press('Enter');
    await waitForValue(() => page.evaluate(() => globalThis.document.activeElement?.id), 'main-content');
    assert.equal(new URL(page.url()).pathname, '/');
  });

  test('navigates to Health and shows the database check up', async () => {
    const { page } = session;
    const link = nav().getByRole('link', { name: 'Health' });
    await link.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/health');
    await waitForText(heading(), 'Health');
    assert.equal(await link.getAttribute('aria-current'), 'page');

    const database = page.locator('tr[data-check="database"]');
    await database.waitFor();
    assert.equal(await database.getAttribute('data-status'), 'up');
    await waitForText(database, 'Database');
    await waitForText(database.locator('app-status-badge'), 'Up');
    assert.equal(await page.getByTestId('overall').getAttribute('data-status'), 'ok');
    assert.equal(await page.title(), 'Health · API Manager');

    await screenshot(page, '02-health');
    await checkA11y(page, 'health');
  });

  test('deep-links /executions (SPA fallback of the server)', async () => {
    const { page } = session;
    const response = await page.goto('/executions');
    assert.equal(response?.status(), 200);
    await waitForText(heading(), 'Executions');
    assert.equal(await nav().getByRole('link', { name: 'Executions' }).getAttribute('aria-current'), 'page');
    await screenshot(page, '03-executions');
    await checkA11y(page, 'executions');
  });

  test('switches to Japanese and remembers the choice', async () => {
    const { page } = session;
    const japanese = language('Language', '日本語');
    assert.equal(await language('Language', 'English').getAttribute('aria-checked'), 'true');
    await japanese.click();

    await waitForValue(() => page.locator('html').getAttribute('lang'), 'ja');
    await waitForValue(async () => (await navLabels()).join('|'), NAV_JA.join('|'));
    await waitForText(heading(), '実行履歴');
    assert.equal(await page.title(), '実行履歴 · API Manager');
    assert.equal(await page.evaluate(() => localStorage.getItem('api-manager.language')), 'ja');
    await screenshot(page, '04-executions-ja');
    await checkA11y(page, 'executions (ja)');

    await page.goto('/health');
    await waitForText(heading(), 'ヘルス');
    assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
    await waitForText(page.locator('tr[data-check="database"]'), 'データベース');
    await waitForText(page.locator('tr[data-check="database"] app-status-badge'), '正常');
    await screenshot(page, '05-health-ja');
    await checkA11y(page, 'health (ja)');

    assert.equal(await language('言語', '日本語').getAttribute('aria-checked'), 'true');
    await language('言語', 'English').click();
    await waitForValue(() => page.locator('html').getAttribute('lang'), 'en');
    await waitForText(heading(), 'Health');
  });

  test('on a narrow screen the navigation is a drawer behind the menu button', async () => {
    const { page } = session;
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto('/');
    await waitForText(heading(), 'Dashboard');
    const menu = page.getByRole('button', { name: 'Toggle navigation' });
    assert.equal(await menu.getAttribute('aria-expanded'), 'false');
    await screenshot(page, '06-mobile-dashboard');
    await checkA11y(page, 'dashboard (narrow)');

    await menu.click();
    await waitForValue(() => menu.getAttribute('aria-expanded'), 'true');
    await nav().getByRole('link', { name: 'Jobs' }).waitFor({ state: 'visible' });
    // Let the drawer finish sliding in before the screenshot.
    await waitForValue(async () => (await page.locator('mat-sidenav').boundingBox())?.x, 0);
    await screenshot(page, '07-mobile-nav');
    await nav().getByRole('link', { name: 'Jobs' }).click();
    await waitForText(heading(), 'Jobs');
    await waitForValue(() => menu.getAttribute('aria-expanded'), 'false');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('no errors in the browser console', () => {
    assert.deepEqual(session.errors, []);
  });

  test('Health shows the checks that are down when readiness answers 503', async () => {
    const { context, page } = await newPage(browser, { baseURL: server.baseUrl });
    try {
      await signIn(page);
      const down = { status: 'down', message: 'connection refused' };
      await page.route('**/api/health/ready', (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            status: 'error',
            info: {},
            error: { database: down },
            details: { database: down },
          }),
        }),
      );
      await page.goto('/health');
      const database = page.locator('tr[data-check="database"]');
      await database.waitFor();
      assert.equal(await database.getAttribute('data-status'), 'down');
      await waitForText(database, 'connection refused');
      await waitForText(page.getByTestId('overall'), 'Some checks are down');
      await screenshot(page, '08-health-down');
      await checkA11y(page, 'health (503)');

      await page.unroute('**/api/health/ready');
      await page.route('**/api/health/ready', (route) => route.abort('connectionrefused'));
      await page.getByRole('button', { name: 'Refresh' }).click();
      await waitForText(page.getByRole('alert'), 'Could not reach the server');
      await screenshot(page, '09-health-unreachable');
      await checkA11y(page, 'health (unreachable)');
    } finally {
      await context.close();
    }
  });
});
