// Issue 20, the job page and upcoming runs: a job leads to its runs (tabs, chart, next runs, badge links),
// finding runs (job autocomplete, param filter, the fan-out item on child rows), cards on a 390-px
// screen, and a timeline of the next hours' runs with collisions. Screenshots in en and ja, 1366 and 390.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import pg from 'pg';

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

async function csrfHeaders(page) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'apm_csrf')?.value;
  return { 'X-CSRF-Token': csrf ?? '' };
}

/** A local API the jobs call. */
async function startTarget() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const port = await freePort();
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** The database the started server uses (its embedded Postgres, or the one DATABASE_URL named). */
async function databaseUrl(env) {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const password = (await readFile(join(env.DATA_DIR, 'postgres', 'pg-password'), 'utf8')).trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.EMBEDDED_PG_PORT}/api_manager`;
}

describe('the job page and upcoming runs', { timeout: 400_000 }, () => {
  let server;
  let target;
  let browser;
  let session;
  let api;

  before(async () => {
    [server, target, browser] = await Promise.all([
      startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } }),
      startTarget(),
      launchBrowser(),
    ]);
    session = await newPage(browser, { baseURL: server.baseUrl, viewport: { width: 1366, height: 900 } });
    await session.page.goto('/');
    await signIn(session.page);
    const { page } = session;
    api = async (method, url, data) => {
      const res = await page.request.fetch(url, { method, headers: await csrfHeaders(page), data });
      assert.ok(res.ok(), `${method} ${url}: ${res.status()} ${await res.text()}`);
      return res.status() === 204 ? null : res.json();
    };
    // The chain target first (a chain step must name an existing job).
    await api('POST', '/api/v1/jobs', { name: 'wm-report', executor: { kind: 'http', url: `${target.url}/r` } });
    await api('POST', '/api/v1/jobs', {
      name: 'device-sync',
      title: 'Device sync',
      executor: { kind: 'http', url: `${target.url}/sync`, query: { device: '{{ params.device_id }}' } },
      params: [{ name: 'device_id', type: 'string[]', fanOut: true, default: ['dev-a', 'dev-b'] }],
      onSuccess: [{ job: 'wm-report' }],
      triggers: { github: [{ repository: 'org/devices', branches: ['main'], watchFiles: ['devices/**'] }] },
    });
    // The WatchMe stagger: :10, :20, :30, and wm-clash on :10 too (in UTC; wm-a's :10 is in Tokyo, same minute).
    for (const [name, cron, timezone] of [
      ['wm-a', '10 * * * *', 'Asia/Tokyo'],
      ['wm-b', '20 * * * *', 'Europe/Berlin'],
      ['wm-c', '30 * * * *', 'America/New_York'],
      ['wm-clash', '10 * * * *', 'UTC'],
    ]) {
      await api('POST', '/api/v1/jobs', { name, executor: { kind: 'http', url: `${target.url}/${name}` } });
      await api('POST', '/api/v1/schedules', { job: name, cron, timezone });
    }
    await api('POST', '/api/v1/schedules', { job: 'device-sync', cron: '0 */2 * * *', timezone: 'Asia/Tokyo' });
    // Two real runs (each fans out over dev-a and dev-b), then history on three earlier days.
    for (const devices of [
      ['dev-a', 'dev-b'],
      ['dev-b', 'dev-c'],
    ]) {
      const run = await api('POST', '/api/v1/jobs/device-sync/runs', { params: { device_id: devices } });
      await waitForValue(
        async () => (await api('GET', `/api/v1/executions/${run.execution.id}`)).status,
        'succeeded',
        30_000,
      );
    }
    const db = new pg.Client({ connectionString: await databaseUrl(server.env) });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO executions (job_id, job_name, trigger, status, run_at, created_at, started_at, finished_at, duration_ms, params)
         SELECT j.id, j.name, 'schedule', s, now() - d, now() - d, now() - d, now() - d + interval '1 second', ms, '{}'
           FROM jobs j, (VALUES ('succeeded', interval '2 days', 800), ('failed', interval '2 days', 2400),
                                ('succeeded', interval '5 days', 1200), ('succeeded', interval '9 days', 600)) v(s, d, ms)
          WHERE j.name = 'device-sync'`,
      );
    } finally {
      await db.end();
    }
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await target?.close();
  });

  test('a job page: tabs, success rate, the duration chart, next runs, schedules, triggers, chain', async () => {
    const { page } = session;
    const overview = await api('GET', '/api/v1/jobs/device-sync/overview');
    assert.ok(overview.durations.length >= 4, `history on 4 days at least: ${JSON.stringify(overview.durations)}`);
    await page.goto('/jobs');
    await page.locator('tr[data-job="device-sync"] a.job-name').click();
    await page.waitForURL('**/jobs/device-sync');
    await page.getByTestId('job-overview').waitFor();
    const chart = page.getByTestId('duration-chart');
    await chart.waitFor();
    assert.equal(await chart.locator('[data-point]').count(), overview.durations.length);
    assert.equal(await chart.getAttribute('data-points'), String(overview.durations.length));
    // 2 real runs today + 3 succeeded, 1 failed earlier: 4 of 5 in 7 days.
    await waitForText(page.getByTestId('rate-7'), '80%');
    const next = page.getByTestId('next-runs').locator('li');
    await waitForValue(() => next.count(), 5);
    assert.match((await next.first().textContent()) ?? '', /\d{1,2}:00/);
    await waitForText(page.getByTestId('job-schedules'), '0 */2 * * * · Asia/Tokyo');
    await waitForText(page.getByTestId('job-triggers'), 'org/devices');
    const chain = page.getByTestId('chain-graph');
    await waitForText(chain, 'wm-report');
    assert.equal(await chain.locator('a[href="/jobs/wm-report"]').count(), 1);
    await checkA11y(page, 'job page overview');

    // Tabs are in the address: Runs lists this job's runs only; Edit is the editor; the old edit address redirects.
    await page.locator('[data-tab="runs"]').click();
    await page.waitForURL('**/jobs/device-sync?tab=runs');
    const rows = page.locator('a.row[data-id]');
    await rows.first().waitFor();
    const names = await rows.locator('.job strong').allTextContents();
    assert.ok(names.length >= 7, `runs listed: ${names.length}`);
    assert.deepEqual([...new Set(names)], ['device-sync']);
    assert.equal(await page.getByTestId('job-filter').count(), 0, 'no job filter inside a job page');
    await page.goto('/jobs/device-sync/edit');
    await page.waitForURL('**/jobs/device-sync?tab=edit');
    await waitForValue(() => page.getByTestId('field-name').inputValue(), 'device-sync');
    assert.deepEqual(session.errors, []);
  });

  test('every status badge leads to its execution', async () => {
    const { page } = session;
    const status = await api('GET', '/api/v1/jobs/device-sync/status');
    await page.goto('/jobs');
    await page.locator('tr[data-job="device-sync"]').getByTestId('last-run-link').click();
    await page.waitForURL(`**/executions/${status.lastRun.id}`);
    await page.goto('/');
    const bar = page.locator('tr[data-job="device-sync"] a.bar').last();
    await bar.waitFor();
    const id = await bar.getAttribute('data-execution');
    await bar.click();
    await page.waitForURL(`**/executions/${id}`);
    await page.goto('/jobs/device-sync');
    await page.getByTestId('last-run-link').click();
    await page.waitForURL(`**/executions/${status.lastRun.id}`);
    await page.goto('/schedules');
    await page
      .getByTestId('last-run-link')
      .first()
      .waitFor({ timeout: 5000 })
      .catch(() => undefined);
  });

  test('finding runs: the job filter autocompletes, the param filter narrows, children show their item', async () => {
    const { page } = session;
    await page.goto('/executions');
    await page.locator('a.row[data-id]').first().waitFor();
    const job = page.getByTestId('job-filter');
    await job.fill('sync');
    const option = page.getByRole('option', { name: 'device-sync' });
    await option.click();
    await page.waitForURL(/job=device-sync/);
    await waitForValue(
      async () => [...new Set(await page.locator('a.row .job strong').allTextContents())].join(),
      'device-sync',
    );

    await page.getByTestId('param-filter').fill('device_id:dev-c');
    await page.getByTestId('param-filter').press('Enter');
    await page.waitForURL(/param=device_id/);
    // The second run's parent (its list holds dev-c) and its dev-c child.
    await waitForValue(() => page.locator('a.row[data-id]').count(), 2);
    const item = page.locator('a.row [data-cell="item"]').filter({ hasText: 'dev-c' });
    await waitForText(item, 'dev-c');
    assert.equal(await item.locator('code').textContent(), 'dev-c');
    assert.match((await item.textContent()) ?? '', /^\s*device_id\s*dev-c\s*$/);

    await page.getByTestId('param-filter').fill('device_id');
    await page.getByTestId('param-filter').press('Enter');
    await waitForText(page.getByTestId('filter-error'), 'The param filter must be name:value');

    await job.fill('no-such-job');
    await page.getByTestId('param-filter').fill('');
    await page.getByTestId('param-filter').press('Enter');
    await waitForText(page.getByTestId('filter-error'), 'There is no job named “no-such-job”');
    assert.deepEqual(session.errors, []);
  });

  test('a 390-px screen shows runs as cards with the hour and the open action', async () => {
    const s = await newPage(browser, { baseURL: server.baseUrl, viewport: { width: 390, height: 844 } });
    await s.page.goto('/login');
    await signIn(s.page);
    await s.page.goto('/executions');
    const row = s.page.locator('a.row[data-id]').first();
    await row.waitFor();
    const time = row.locator('[data-cell="time"]');
    assert.match((await time.textContent()) ?? '', /\d{1,2}:\d{2}:\d{2}/);
    for (const cell of [time, row.locator('[data-cell="actions"]'), row.locator('[data-cell="duration"]')]) {
      const box = await cell.boundingBox();
      assert.ok(box && box.width > 0 && box.x >= 0 && box.x + box.width <= 390, `visible: ${JSON.stringify(box)}`);
    }
    // Jobs and schedules are cards too: the last-run cell and the run button stay on screen.
    await s.page.goto('/jobs');
    const run = s.page.locator('tr[data-job="device-sync"]').getByRole('button', { name: /Run/ });
    await run.waitFor();
    const box = await run.boundingBox();
    assert.ok(box && box.x + box.width <= 390, `run button on screen: ${JSON.stringify(box)}`);
    await s.context.close();
  });

  test('the timeline shows the staggered :10/:20/:30 schedules and flags the :10 collision', async () => {
    const { page } = session;
    await page.goto('/');
    const timeline = page.getByTestId('upcoming-timeline');
    await timeline.waitFor();
    for (const [job, minute] of [
      ['wm-a', 10],
      ['wm-b', 20],
      ['wm-c', 30],
      ['wm-clash', 10],
    ]) {
      const ticks = timeline.locator(`[data-job="${job}"] .tick`);
      await waitForValue(() => ticks.count(), 6);
      for (const at of await ticks.evaluateAll((els) => els.map((e) => e.getAttribute('data-at')))) {
        assert.equal(new Date(at).getUTCMinutes(), minute, `${job} at ${at}`);
      }
    }
    assert.equal(await timeline.locator('[data-job="wm-a"] .tick[data-collision]').count(), 6);
    assert.equal(await timeline.locator('[data-job="wm-clash"] .tick[data-collision]').count(), 6);
    assert.equal(await timeline.locator('[data-job="wm-b"] .tick[data-collision]').count(), 0);
    const collisions = timeline.getByTestId('timeline-collisions');
    await waitForText(collisions, 'wm-a, wm-clash');
    // Keyboard: a tick takes focus and names the job and both zones.
    const tick = timeline.locator('[data-job="wm-a"] .tick').first();
    await tick.focus();
    const label = (await tick.getAttribute('aria-label')) ?? '';
    assert.match(label, /^wm-a \(10 \* \* \* \*\): .*; in the schedule’s zone .*GMT\+9 · collides with another job$/);
    assert.equal(await tick.evaluate((el) => el.ownerDocument.activeElement === el), true);
    await checkA11y(page, 'dashboard with the timeline');
  });

  test('the editor explains the template helpers (variables, filters, optional values)', async () => {
    const { page } = session;
    await page.goto('/jobs/device-sync?tab=edit');
    const help = page.getByTestId('template-help');
    await help.locator('summary').click();
    await waitForText(help, "{{ 'today' | in_zone: 'Asia/Tokyo' }}");
    for (const text of ['{{ params.device_id }}', 'date_sub', 'format_date', 'start_of', "default: 'none'"]) {
      assert.ok((await help.innerText()).includes(text), `help lists ${text}`);
    }
  });

  test('screenshots (en, ja; 1366 and 390 wide)', async () => {
    for (const locale of ['en-US', 'ja-JP']) {
      for (const width of [1366, 390]) {
        const tag = `${locale.slice(0, 2)}-${width}`;
        // Tall enough that the whole overview is in the picture (the shell scrolls inside the page).
        const s = await newPage(browser, {
          baseURL: server.baseUrl,
          locale,
          viewport: { width, height: width === 390 ? 2400 : 1500 },
        });
        const { page } = s;
        await page.goto('/login');
        await signIn(page);
        await page.goto('/jobs/device-sync');
        await page.getByTestId('duration-chart').waitFor();
        await page.getByTestId('next-runs').waitFor();
        await screenshot(page, `jobpage-${tag}-overview`);
        await page.goto('/jobs/device-sync?tab=runs');
        await page.locator('a.row[data-id]').first().waitFor();
        await screenshot(page, `jobpage-${tag}-runs`);
        await page.goto('/');
        await page.getByTestId('timeline-collisions').waitFor();
        await page.getByTestId('upcoming-timeline').scrollIntoViewIfNeeded();
        await screenshot(page, `jobpage-${tag}-dashboard-timeline`);
        await page.goto('/executions?param=device_id:dev-b');
        await page.locator('a.row[data-id]').first().waitFor();
        await screenshot(page, `jobpage-${tag}-executions`);
        await page.goto('/schedules');
        await page.getByTestId('schedules-table').waitFor();
        await screenshot(page, `jobpage-${tag}-schedules`);
        await page.goto('/jobs');
        await page.getByTestId('jobs-table').waitFor();
        await screenshot(page, `jobpage-${tag}-jobs`);
        await page.goto('/jobs/device-sync?tab=edit');
        await page.getByTestId('template-help').locator('summary').click();
        await page.getByTestId('template-help').scrollIntoViewIfNeeded();
        await screenshot(page, `jobpage-${tag}-template-help`);
        assert.deepEqual(s.errors, [], `${tag}: ${s.errors.join('\n')}`);
        await s.context.close();
      }
    }
  });
});
