// Command jobs in the admin: the editor's command form, live output on the execution page, and the
// "disabled on this server" notice when COMMAND_JOBS_ENABLED is off. Real server, real Chromium.
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

describe('command jobs in the admin', { timeout: 240_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let enabled;
  /** @type {Awaited<ReturnType<typeof startServer>>} */
  let disabled;
  /** @type {import('playwright-core').Browser} */
  let browser;

  before(async () => {
    [enabled, disabled, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, COMMAND_JOBS_ENABLED: 'true' } }),
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      launchBrowser(),
    ]);
  });

  after(async () => {
    await browser?.close();
    await enabled?.stop();
    await disabled?.stop();
  });

  test('creates a command job, runs it and shows its output while it runs', async () => {
    const session = await newPage(browser, { baseURL: enabled.baseUrl });
    const { page } = session;
    await signIn(page);
    await page.goto('/jobs/new');
    await page.getByLabel('Name', { exact: true }).fill('e2e-command');
    await page.getByLabel('Title').fill('Command job');
    await page.getByTestId('kind-command').click();
    await page.getByTestId('field-url').waitFor({ state: 'detached' });
    await page.getByTestId('field-script').fill('echo "tick one"\nsleep 3\necho "tick two"');
    assert.equal(await page.getByTestId('command-disabled').count(), 0);
    await page.getByTestId('save-job').click();
    await page.waitForURL('**/jobs/e2e-command?tab=edit');
    await waitForValue(
      () => page.getByTestId('field-script').inputValue(),
      'echo "tick one"\nsleep 3\necho "tick two"',
    );
    await screenshot(page, 'cmd-01-editor');
    await checkA11y(page, 'job editor (command)');

    await page.getByTestId('editor-run').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('run-submit').click();
    const link = dialog.getByTestId('open-execution');
    await link.waitFor();
    const href = await link.getAttribute('href');
    assert.match(href ?? '', /^\/executions\/[0-9a-f-]{36}$/);
    await page.goto(href ?? '/');
    const logs = page.getByTestId('logs');
    // The first line shows while the script sleeps: live, not after the end.
    await waitForText(logs, 'tick one', 15_000);
    assert.equal((await logs.textContent())?.includes('tick two'), false);
    await waitForText(logs, 'tick two', 20_000);
    await waitForText(page.getByTestId('command-exit'), 'Exit code 0', 15_000);
    await waitForText(page.getByTestId('command-script'), 'sleep 3');
    await screenshot(page, 'cmd-02-execution');
    await checkA11y(page, 'execution detail (command)');
    assert.deepEqual(session.errors, []);
  });

  test('when command jobs are off, the editor says so and the server refuses the job', async () => {
    const session = await newPage(browser, { baseURL: disabled.baseUrl });
    const { page } = session;
    await signIn(page);
    await page.goto('/jobs/new');
    await page.getByLabel('Name', { exact: true }).fill('e2e-command-off');
    await page.getByTestId('kind-command').click();
    await waitForText(page.getByTestId('command-disabled'), 'COMMAND_JOBS_ENABLED=true');
    await page.getByTestId('field-script').fill('echo hi');
    await page.getByTestId('save-job').click();
    await waitForText(page.getByTestId('job-errors'), 'COMMAND_JOBS_ENABLED=true');
    await screenshot(page, 'cmd-03-disabled');
    await checkA11y(page, 'job editor (command disabled)');
  });
});
