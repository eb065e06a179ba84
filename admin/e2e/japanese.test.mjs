// Issue 20, "Japanese throughout": in the ja UI, cron texts, server errors (by code), audit actions,
// token scopes, notification states and the 'partial' status are Japanese, and names show, not ids.
// Real server, a real local HTTP target, real Chromium; screenshots in en and ja at 1366 and 390 wide.
import assert from 'node:assert/strict';
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
} from './helpers.mjs';

/** English texts the server sends or the UI used to show raw: none may appear on a ja screen. */
const ENGLISH_PHRASES = [
  'At 10 minutes past the hour',
  'minutes past the hour',
  'Every minute',
  'Partly failed',
  'Partial',
  'not found',
  'already exists',
  'must be',
  'is out of range',
  'job.create',
  'token.create',
  'schedule.create',
  'user.create',
  'auth.login',
  'rate_limited',
  'Internal server error',
];

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/** A target answering 200 on /ok and 500 on anything else. */
async function startTarget() {
  const server = createServer((req, res) => {
    res.writeHead(req.url?.startsWith('/ok') ? 200 : 500, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', () => done(undefined)));
  const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((done) => server.close(done)) };
}

/** @param {import('playwright-core').Page} page */
async function csrfHeaders(page) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'apm_csrf')?.value;
  return { 'X-CSRF-Token': csrf ?? '', 'content-type': 'application/json' };
}

/** The page's visible text (not attributes such as title). @param {import('playwright-core').Page} page */
async function visibleText(page) {
  return page.evaluate(() => globalThis.document.body.innerText);
}

/** @param {string} text @param {string} where */
function assertNoEnglish(text, where) {
  for (const phrase of ENGLISH_PHRASES) {
    assert.ok(!text.includes(phrase), `${where} shows the English "${phrase}":\n${text.slice(0, 2000)}`);
  }
}

/** Page errors only: 4xx answers the test provokes are logged by Chromium as console errors. */
const pageErrors = (/** @type {string[]} */ errors) => errors.filter((e) => e.startsWith('pageerror'));

describe('Japanese throughout', { timeout: 420_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let server;
  /** @type {Awaited<ReturnType<typeof startTarget>>} */
  let target;
  /** @type {import('playwright-core').Browser} */
  let browser;
  /** Id of an execution that fanned out and partly failed. */
  let partialId = '';

  before(async () => {
    [server, target, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      startTarget(),
      launchBrowser(),
    ]);
    // The data, through the API as the admin: jobs, schedules, a token, a partly failed fan-out.
    const { page, context } = await newPage(browser, { baseURL: server.baseUrl });
    await page.goto('/login');
    await signIn(page);
    const headers = await csrfHeaders(page);
    const post = async (/** @type {string} */ path, /** @type {unknown} */ data, expected = 201) => {
      const res = await page.request.post(path, { headers, data });
      assert.equal(res.status(), expected, `${path}: ${await res.text()}`);
      return res.json();
    };
    await post('/api/v1/jobs', {
      name: 'nightly-report',
      title: '夜間レポート',
      executor: { kind: 'http', method: 'GET', url: `${target.url}/ok` },
    });
    await post('/api/v1/jobs', {
      name: 'fan-devices',
      executor: { kind: 'http', method: 'GET', url: `${target.url}/{{ params.device }}` },
      params: [{ name: 'device', type: 'string[]', fanOut: true, required: true }],
    });
    await post('/api/v1/schedules', {
      job: 'nightly-report',
      name: 'hourly-ten',
      cron: '10 * * * *',
      timezone: 'Asia/Tokyo',
    });
    await post('/api/v1/schedules', {
      job: 'nightly-report',
      name: 'first-or-monday',
      cron: '0 9 1 * 1',
      timezone: 'Asia/Tokyo',
    });
    await post('/api/v1/schedules', { job: 'nightly-report', name: 'every-5m', intervalSeconds: 300 });
    await post('/api/v1/tokens', { name: 'ci-token', scopes: ['read', 'run'] });
    const run = await post('/api/v1/jobs/fan-devices/runs', { params: { device: ['ok-1', 'broken'] } }, 202);
    partialId = run.execution.id;
    // Poll until the parent settles as partial (one child 200, one 500).
    const deadline = Date.now() + 60_000;
    let status = '';
    while (Date.now() < deadline) {
      status = (await (await page.request.get(`/api/v1/executions/${partialId}`)).json()).status;
      if (status === 'partial') break;
      await new Promise((done) => setTimeout(done, 200));
    }
    assert.equal(status, 'partial');
    await context.close();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
  });

  /**
   * @param {'ja' | 'en'} lang
   * @param {number} width
   */
  async function openAs(lang, width) {
    const session = await newPage(browser, {
      baseURL: server.baseUrl,
      locale: lang === 'ja' ? 'ja-JP' : 'en-US',
      viewport: { width, height: width > 800 ? 900 : 844 },
    });
    await session.page.goto('/login');
    await signIn(session.page);
    return session;
  }

  test('ja: cron texts, server errors by code, audit, token scopes and the partial status in Japanese', async () => {
    const session = await openAs('ja', 1366);
    const { page } = session;

    // Schedules: cronstrue's ja locale, the Vixie day note and the zone, interval words.
    await page.goto('/schedules');
    const hourly = page.locator('tr[data-name="hourly-ten"] [data-testid="cron-text"]');
    const hourlyText = await waitForText(hourly, '毎時');
    assert.match(hourlyText, /10 分/);
    assert.match(hourlyText, /Asia\/Tokyo/);
    await waitForText(page.locator('tr[data-name="first-or-monday"] [data-testid="cron-text"]'), '日付または曜日');
    await waitForText(page.locator('tr[data-name="every-5m"] [data-testid="cron-text"]'), '5 分ごと');
    assertNoEnglish(await visibleText(page), 'schedules (ja)');

    // Schedule editor: the server's CRON_INVALID_FIELD, in Japanese with the field's Japanese name.
    await page.goto('/schedules/new');
    await page.locator('input[name="cron"]').fill('0 0 32 * *');
    const preview = page.getByTestId('schedule-preview');
    await waitForText(preview, 'cron の日フィールドの値 32 は範囲 1-31 の外です。');
    await page.locator('input[name="cron"]').fill('*/15 9-17 * * 1-5');
    await waitForText(preview, '15 分ごと');

    // Job editor: the server's JOB_NAME_TAKEN (409) in Japanese.
    await page.goto('/jobs/new');
    await page.getByTestId('field-name').fill('nightly-report');
    await page.getByTestId('field-url').fill(`${target.url}/ok`);
    await page.getByTestId('save-job').click();
    await waitForText(page.getByTestId('job-errors'), 'ジョブ名 nightly-report は既に使われています。');
    assertNoEnglish(await visibleText(page), 'job editor error (ja)');

    // Audit log: translated actions, names of targets, no ids in the visible text.
    await page.goto('/settings');
    await page.getByRole('tab', { name: '監査ログ' }).click();
    const audit = page.getByTestId('audit-table');
    await waitForText(audit, 'ジョブ: 作成');
    const auditText = await audit.innerText();
    assert.match(auditText, /スケジュール: 作成/);
    assert.match(auditText, /API トークン: 作成/);
    assert.match(auditText, /nightly-report/);
    assert.match(auditText, /ci-token/);
    assert.doesNotMatch(auditText, UUID, 'the audit log shows names, not ids');
    assertNoEnglish(await visibleText(page), 'audit log (ja)');

    // Tokens: scopes by their Japanese names.
    await page.getByRole('tab', { name: 'API トークン' }).click();
    await waitForText(page.getByTestId('token-scopes'), '読み取り, 実行');
    assertNoEnglish(await visibleText(page), 'tokens (ja)');

    // The partly failed run: one name, 一部失敗, in the list filter, the list and the detail.
    await page.goto('/executions?status=partial');
    await waitForText(page.locator('app-exec-status').first(), '一部失敗');
    assertNoEnglish(await visibleText(page), 'executions (ja)');
    await page.goto(`/executions/${partialId}`);
    await waitForText(page.locator('app-exec-status').first(), '一部失敗');
    const detail = await visibleText(page);
    assertNoEnglish(detail, 'execution detail (ja)');
    assert.doesNotMatch(detail, /manual user:/, 'the trigger is named, not user:<id>');

    // Walk the main screens: none shows a known English server text.
    for (const path of ['/', '/jobs', '/jobs/nightly-report', '/schedules', '/executions', '/webhooks', '/settings']) {
      await page.goto(path);
      await page.getByTestId('current-user').waitFor({ state: 'attached' });
      await page.waitForLoadState('networkidle');
      assertNoEnglish(await visibleText(page), `${path} (ja)`);
    }
    assert.deepEqual(pageErrors(session.errors), []);
    await session.context.close();
  });

  test('en: the same screens name things in English (one name for partial)', async () => {
    const session = await openAs('en', 1366);
    const { page } = session;
    await page.goto('/schedules');
    await waitForText(
      page.locator('tr[data-name="hourly-ten"] [data-testid="cron-text"]'),
      'At 10 minutes past the hour (Asia/Tokyo)',
    );
    await page.goto('/schedules/new');
    await page.locator('input[name="cron"]').fill('0 0 32 * *');
    await waitForText(page.getByTestId('schedule-preview'), 'Cron day of month 32 is out of range 1-31.');
    await page.goto(`/executions/${partialId}`);
    await waitForText(page.locator('app-exec-status').first(), 'Partly failed');
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    await waitForText(page.getByTestId('audit-table'), 'Job: created');
    await session.context.close();
  });

  for (const lang of /** @type {const} */ (['ja', 'en'])) {
    for (const width of [1366, 390]) {
      test(`screenshots ${lang} ${width}: schedules, job editor error, audit log, tokens`, async () => {
        const session = await openAs(lang, width);
        const { page } = session;
        const name = (/** @type {string} */ screen) => `i18n-${screen}-${lang}-${width}`;
        await page.goto('/schedules');
        await waitForText(page.locator('tr[data-name="hourly-ten"] [data-testid="cron-text"]'), 'Asia/Tokyo');
        await page.locator('mat-progress-bar').waitFor({ state: 'detached' });
        await screenshot(page, name('schedules'));
        if (width === 1366) await checkA11y(page, `schedules (${lang})`);

        await page.goto('/jobs/new');
        await page.getByTestId('field-name').fill('nightly-report');
        await page.getByTestId('field-url').fill(`${target.url}/ok`);
        await page.getByTestId('save-job').click();
        await waitForText(page.getByTestId('job-errors'), 'nightly-report');
        await page.evaluate(() => globalThis.scrollTo(0, 0));
        await screenshot(page, name('job-error'));

        await page.goto('/settings');
        await page.getByRole('tab', { name: lang === 'ja' ? '監査ログ' : 'Audit log' }).click();
        await waitForText(page.getByTestId('audit-table'), 'nightly-report');
        await screenshot(page, name('audit'));

        await page.getByRole('tab', { name: lang === 'ja' ? 'API トークン' : 'API tokens' }).click();
        await waitForText(page.getByTestId('token-scopes'), lang === 'ja' ? '読み取り' : 'Read');
        await screenshot(page, name('tokens'));
        assert.deepEqual(pageErrors(session.errors), []);
        await session.context.close();
      });
    }
  }
});
