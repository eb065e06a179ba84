// Helpers for the admin e2e tests: the real server, real Chromium, screenshots and axe-core.
// Run with `node --test admin/e2e/` after `npm run build` (dist/server and dist/admin).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import pg from 'pg';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../scripts/test-browser.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOT_DIR = join(ROOT, 'test-output', 'screenshots');
// `tsc -p server/tsconfig.build.json` keeps the source tree (dist/server/src/main.js); accept both.
const SERVER_ENTRIES = [join(ROOT, 'dist', 'server', 'main.js'), join(ROOT, 'dist', 'server', 'src', 'main.js')];
const ADMIN_INDEX = join(ROOT, 'dist', 'admin', 'browser', 'index.html');
const AXE_PATH = join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

/** A TCP port nobody listens on right now. */
export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts the built server (`node dist/server/main.js`) on a free port with a fresh DATA_DIR and waits until
 * GET /api/health/ready answers 200. DATABASE_URL, when set, is passed through unchanged.
 * `options.env` adds environment variables (e.g. `{ ADMIN_PASSWORD }` for the first admin).
 * @param {{ env?: Record<string, string> }} [options]
 * @returns {Promise<{ baseUrl: string, output: () => string, stop: () => Promise<void> }>}
 */
export async function startServer(options = {}) {
  const entry = SERVER_ENTRIES.find((path) => existsSync(path));
  assert.ok(entry, `${SERVER_ENTRIES.join(' or ')} is missing: run \`npm run build\` first`);
  assert.ok(existsSync(ADMIN_INDEX), `${ADMIN_INDEX} is missing: run \`npm run build\` first`);

  const port = await freePort();
  const dataDir = await mkdtemp(join(tmpdir(), 'api-manager-e2e-'));
  // mkdtemp makes it 0700; as root, the embedded Postgres runs initdb as another user that must enter it.
  await chmod(dataDir, 0o755);
  const env = {
    ...process.env,
    ...options.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  };
  let dropDatabase = async () => {};
  if (process.env.DATABASE_URL) {
    // A fresh database of that server for each started server: runs never see each other's users or jobs.
    const database = await createDatabase(process.env.DATABASE_URL);
    env.DATABASE_URL = database.url;
    dropDatabase = database.drop;
  } else {
    // The embedded Postgres gets its own port too, so a dev server or another suite can run alongside.
    env.EMBEDDED_PG_PORT = String(await freePort());
  }

  const child = spawn(process.execPath, [entry], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolveExit) => child.once('exit', (code, signal) => resolveExit({ code, signal })));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const stop = async () => {
    try {
      if (!hasExited) {
        child.kill('SIGTERM');
        const timer = sleep(STOP_TIMEOUT_MS, 'timeout', { ref: false });
        if ((await Promise.race([exited, timer])) === 'timeout') {
          child.kill('SIGKILL');
          await exited;
          throw new Error(`server did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM\n${log}`);
        }
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
      await dropDatabase();
    }
  };

  try {
    await waitForReady(`${baseUrl}/api/health/ready`, () => hasExited);
  } catch (error) {
    await stop().catch(() => undefined);
    throw new Error(`${/** @type {Error} */ (error).message}\n--- server output ---\n${log}`);
  }
  // `env`: what the server was started with (DATA_DIR, EMBEDDED_PG_PORT or DATABASE_URL), for tests that seed rows.
  return { baseUrl, output: () => log, stop, env };
}

/** CREATE DATABASE apm_e2e_<random> on the server of `serverUrl`; `drop` removes it (even if still connected). */
async function createDatabase(serverUrl) {
  const name = `apm_e2e_${randomBytes(6).toString('hex')}`;
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function waitForReady(url, hasExited) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasExited()) {
      throw new Error('server exited before it was ready');
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) {
        return;
      }
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = /** @type {Error} */ (error).message;
    }
    await sleep(250);
  }
  throw new Error(`${url} was not 200 within ${READY_TIMEOUT_MS} ms (last: ${last})`);
}

/**
 * Headless Chromium through playwright-core (no downloaded browsers, no network): CHROMIUM_PATH, the
 * system's, or the one inside the npm package @sparticuz/chromium, with a packaged CJK font
 * (scripts/test-browser.mjs).
 */
export async function launchBrowser() {
  return chromium.launch(await chromiumLaunchOptions());
}

/**
 * A page that records uncaught errors and console errors, so a test can assert there were none.
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').BrowserContextOptions} [options]
 */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    ...options,
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()}`);
    }
  });
  return { context, page, errors };
}

/** Full-page screenshot under test-output/screenshots/<name>.png. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Runs axe-core on the page and fails on serious or critical violations. */
export async function checkA11y(page, label) {
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  if (!hasAxe) {
    // Not page.addScriptTag(): the server's Content-Security-Policy (script-src 'self') refuses an
    // injected inline <script>. Evaluating the source through the DevTools protocol is not subject to it.
    await page.evaluate(await readFile(AXE_PATH, 'utf8'));
  }
  const violations = await page.evaluate(async () => {
    const result = await globalThis.axe.run(globalThis.document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  });
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    blocking,
    [],
    `axe found serious/critical violations on ${label}:\n${JSON.stringify(blocking, null, 2)}`,
  );
  return violations;
}

/** Polls until the locator's text contains `expected` (string or RegExp). */
export async function waitForText(locator, expected, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = (
      (await locator
        .first()
        .textContent({ timeout })
        .catch(() => '')) ?? ''
    ).trim();
    if (typeof expected === 'string' ? text.includes(expected) : expected.test(text)) {
      return text;
    }
    await sleep(100);
  }
  assert.fail(`expected text ${String(expected)}, got ${JSON.stringify(text)}`);
}

/** Polls until `read()` returns `expected`. */
export async function waitForValue(read, expected, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  let value;
  while (Date.now() < deadline) {
    value = await read();
    if (value === expected) {
      return value;
    }
    await sleep(100);
  }
  assert.equal(value, expected);
}

/** Password of the first admin in e2e runs: `startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD } })`. */
export const E2E_ADMIN_PASSWORD = 'e2e-admin-password-42';

/**
 * Signs in through the login page (from whatever page the app redirected to) and waits for the shell.
 * @param {import('playwright-core').Page} page
 */
export async function signIn(page, username = 'admin', password = E2E_ADMIN_PASSWORD) {
  if (!new URL(page.url()).pathname.startsWith('/login')) {
    await page.goto('/login');
  }
  await page.getByLabel(/Username|ユーザー名/).fill(username);
  await page.getByLabel(/Password|パスワード/).fill(password);
  await page.getByRole('button', { name: /Sign in|ログイン/ }).click();
  await page.getByTestId('current-user').waitFor({ state: 'attached' });
}

/** Waits for a Material dialog to finish its opening animation, so a screenshot shows it settled. */
export async function dialogSettled(page) {
  await page.locator('mat-dialog-container.mat-mdc-dialog-container').waitFor();
  await page.waitForFunction(() => {
    const surface = globalThis.document.querySelector('.mat-mdc-dialog-surface');
    return !!surface && globalThis.getComputedStyle(surface).opacity === '1' && surface.getAnimations().length === 0;
  });
}

/**
 * Headers for a state-changing API call from a signed-in page: the CSRF token of its session (cookie apm_csrf).
 * @param {import('playwright-core').Page} page
 */
export async function csrfHeaders(page) {
  const csrf = (await page.context().cookies()).find((c) => c.name === 'apm_csrf')?.value;
  return { 'X-CSRF-Token': csrf ?? '' };
}

/**
 * The setup most e2e files repeat: the server (`env` on top of ADMIN_PASSWORD=E2E_ADMIN_PASSWORD), Chromium and
 * the `extra` resources (each `() => Promise<{ close() }>`, e.g. a local target) started together; then a page
 * (newPage `page` options, errors collected) opened at `path` and signed in as the admin. `close()` ends them all.
 * @param {{ env?: Record<string, string>, extra?: (() => Promise<any>)[], page?: import('playwright-core').BrowserContextOptions, path?: string }} [options]
 */
export async function startSignedIn({ env = {}, extra = [], page: pageOptions = {}, path = '/login' } = {}) {
  const started = await Promise.allSettled([
    startServer({ env: { ADMIN_PASSWORD: E2E_ADMIN_PASSWORD, ...env } }),
    launchBrowser(),
    ...extra.map((start) => start()),
  ]);
  const [server, browser, ...extras] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  // Whatever started is closed again on a failure, so a failed `before` leaves no browser keeping the run alive.
  const close = async () => {
    await browser?.close();
    await server?.stop();
    for (const e of extras) await e?.close();
  };
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const session = await newPage(browser, { baseURL: server.baseUrl, ...pageOptions });
    await session.page.goto(path);
    await signIn(session.page);
    return { server, browser, session, extras, close };
  } catch (error) {
    await close();
    throw error;
  }
}
