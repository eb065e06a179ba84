// Notifications in real Chromium against the real server and a local receiver: Settings →
// Notifications adds a channel (its URL never shown again) and sends a test; the job editor shows a
// job's notifications; the execution page lists the notification that was sent.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { checkA11y, csrfHeaders, freePort, screenshot, startSignedIn, waitForText, waitForValue } from './helpers.mjs';

/** A local receiver: records every request, answers 200. */
async function startReceiver() {
  const requests = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      requests.push({ url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const port = await freePort();
  await new Promise((resolveListen) => server.listen(port, '127.0.0.1', resolveListen));
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

describe('notifications', { timeout: 180_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startSignedIn>>} */
  let setup;
  /** @type {Awaited<ReturnType<typeof startReceiver>>} */
  let receiver;
  /** @type {Awaited<ReturnType<typeof startSignedIn>>['session']} */
  let session;

  before(async () => {
    setup = await startSignedIn({ env: { NOTIFICATIONS_POLL_MS: '200' }, extra: [startReceiver] });
    ({ session } = setup);
    [receiver] = setup.extras;
  });

  after(() => setup?.close());

  test('Settings → Notifications: add a Discord channel, its URL is not shown, send a test', async () => {
    const { page } = session;
    await page.goto('/settings');
    await page.getByRole('tab', { name: 'Notifications' }).click();
    const form = page.getByTestId('channel-form');
    await form.getByLabel('Name').fill('ops-discord');
    await form.getByRole('combobox', { name: 'Type' }).click();
    await page.getByRole('option', { name: 'Discord' }).click();
    await form.getByLabel('URL').fill(`${receiver.url}/discord/token-abc-123`);
    await form.getByRole('button', { name: 'Add channel' }).click();
    const row = page.locator('tr[data-channel="ops-discord"]');
    await waitForText(row, `${receiver.url}/…`);
    assert.ok(!(await page.content()).includes('token-abc-123'), 'the channel URL is never shown');
    await row.getByRole('button', { name: /Send test/ }).click();
    await waitForText(page.getByTestId('channel-test-result'), 'Test sent.');
    await waitForValue(() => receiver.requests.length, 1);
    assert.equal(receiver.requests[0].url, '/discord/token-abc-123');
    assert.match(JSON.parse(receiver.requests[0].body).content, /Test message for channel ops-discord/);
    await screenshot(page, 'notifications-01-channels');
    await checkA11y(page, 'settings notifications');
  });

  test('the job editor shows the job’s notifications; the execution lists the one sent', async () => {
    const { page } = session;
    const headers = { ...(await csrfHeaders(page)), 'content-type': 'application/json' };
    const created = await page.request.post('/api/v1/jobs', {
      headers,
      data: {
        name: 'notified-job',
        executor: { kind: 'http', url: `${receiver.url}/job` },
        notifications: [{ channel: 'ops-discord', on: ['failure', 'success'] }],
      },
    });
    assert.equal(created.status(), 201);
    await page.goto('/jobs/notified-job?tab=edit');
    const section = page.getByTestId('job-notifications');
    await waitForText(section.locator('[data-notification-row="0"] mat-select'), 'ops-discord');
    assert.equal(await section.getByRole('checkbox', { name: 'On failure' }).isChecked(), true);
    assert.equal(await section.getByRole('checkbox', { name: 'On recovery' }).isChecked(), false);
    assert.equal(await section.getByRole('checkbox', { name: 'On success' }).isChecked(), true);

    const run = await page.request.post('/api/v1/jobs/notified-job/runs', { headers, data: {} });
    assert.equal(run.status(), 202);
    const { execution } = await run.json();
    await waitForValue(() => receiver.requests.filter((r) => r.url.startsWith('/discord')).length, 2, 20_000);
    await page.goto(`/executions/${execution.id}`);
    const sent = page.getByTestId('notifications').locator('tr[data-notification="ops-discord"]');
    await waitForText(sent, 'Sent');
    await waitForText(sent, 'On success');
    await screenshot(page, 'notifications-02-execution');
    assert.deepEqual(session.errors, []);
  });
});
