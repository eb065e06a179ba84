/**
 * The deployment's nginx files, run for real: Debian's nginx (/usr/sbin/nginx) with
 * ops/nginx/api-manager.conf (host nginx, SPA under /manager/) and ops/nginx/admin-container.conf.template
 * (the admin image's nginx) in front of a running server.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumLaunchOptions } from '../../scripts/test-browser.mjs';
import { TEST_ADMIN_PASSWORD } from './helpers/auth.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { freePort } from './helpers/ports.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';

const NGINX = '/usr/sbin/nginx';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const HOST_CONF = path.join(ROOT, 'ops/nginx/api-manager.conf');
const ADMIN_CONF = path.join(ROOT, 'ops/nginx/admin-container.conf.template');
const ADMIN_DIST = path.join(ROOT, 'dist/admin/browser');

/** Replace `from` exactly once (the test fails loudly when the file no longer has that shape). */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const count =
    typeof from === 'string'
      ? text.split(from).length - 1
      : (text.match(new RegExp(from.source, from.flags + 'g')) ?? []).length;
  if (count !== 1) throw new Error(`expected exactly one ${String(from)} in the nginx file, found ${count}`);
  return text.replace(from, to);
}

/** The host file with the test's ports: listen on `port`, upstream = the test server. */
function hostConf(port: number, upstreamPort: number): string {
  let conf = readFileSync(HOST_CONF, 'utf8');
  conf = replaceOnce(conf, /^\s*listen 80;$/m, `    listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, 'server 127.0.0.1:3000 ', `server 127.0.0.1:${upstreamPort} `);
  return conf;
}

/** The admin image's template with what its entrypoint would substitute, serving the local build. */
function adminConf(port: number, upstreamPort: number): string {
  let conf = readFileSync(ADMIN_CONF, 'utf8');
  conf = replaceOnce(conf, /^\s*listen 8080;$/m, `    listen 127.0.0.1:${port};`);
  conf = replaceOnce(conf, 'root /usr/share/nginx/html;', `root ${ADMIN_DIST};`);
  // What the image's entrypoint (envsubst of the defined variables) does.
  conf = conf.replaceAll('${API_UPSTREAM}', `127.0.0.1:${upstreamPort}`).replaceAll('${NGINX_RESOLVER}', '127.0.0.1');
  if (/\$\{[A-Z_]+\}/.test(conf)) throw new Error('an unsubstituted ${VAR} is left in the admin template');
  return conf;
}

interface RunningNginx {
  proc: ChildProcess;
  dir: string;
  log: () => string;
  stop(): Promise<void>;
}

/** nginx as a non-daemon child with a temp prefix; `servers` are the server{} blocks to include. */
async function startNginx(servers: string[], ports: number[]): Promise<RunningNginx> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apm-nginx-'));
  const files = servers.map((text, i) => {
    const f = path.join(dir, `site${i}.conf`);
    writeFileSync(f, text);
    return f;
  });
  const asRoot = process.getuid?.() === 0;
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${asRoot ? 'user root;\n' : ''}worker_processes 1;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${files.map((f) => `  include ${f};`).join('\n')}
}
`,
  );
  const log = () => (existsSync(`${dir}/error.log`) ? readFileSync(`${dir}/error.log`, 'utf8') : '');
  const test = spawn(NGINX, ['-t', '-q', '-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`]);
  let testOut = '';
  test.stderr.on('data', (c: Buffer) => (testOut += c.toString()));
  const code = await new Promise<number | null>((resolve) => test.on('close', resolve));
  if (code !== 0) throw new Error(`nginx -t failed: ${testOut}${log()}`);
  const proc = spawn(NGINX, ['-p', dir, '-e', `${dir}/error.log`, '-c', `${dir}/nginx.conf`, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let exited = false;
  proc.on('exit', () => (exited = true));
  for (const port of ports) {
    await waitFor(
      async () => {
        if (exited) throw new Error(`nginx exited: ${log()}`);
        return fetch(`http://127.0.0.1:${port}/api/health/live`).then(
          () => true,
          () => false,
        );
      },
      10_000,
      `nginx on port ${port}`,
    );
  }
  return {
    proc,
    dir,
    log,
    async stop() {
      if (!exited) {
        const done = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Read an SSE response until `until` is in the text (or the stream ends); returns what was read. */
async function readUntil(res: Response, until: string, timeoutMs = 10_000): Promise<string> {
  const reader = res.body!.getReader();
  let text = '';
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  try {
    while (!text.includes(until)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
  } finally {
    clearTimeout(timer);
  }
  return text;
}

describe('nginx in front of the server', () => {
  let app: TestApp;
  let target: HttpTarget;
  let nginx: RunningNginx;
  let hostUrl: string;
  let adminUrl: string;

  beforeAll(async () => {
    if (!existsSync(NGINX)) throw new Error(`${NGINX} is missing: apt-get install -y nginx-light (.ci/run does)`);
    if (!existsSync(path.join(ADMIN_DIST, 'index.html'))) {
      throw new Error(`${ADMIN_DIST}/index.html is missing: run npm run build:admin first`);
    }
    target = await startHttpTarget();
    app = await startTestApp({
      LOG_LEVEL: 'error',
      ADMIN_BASE_HREF: '/manager/',
      ADMIN_DIST_DIR: ADMIN_DIST,
      WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
      SCHEDULER_ENABLED: 'false',
      WORKER_POLL_MS: '200',
    });
    const res = await app.api('POST', '/api/v1/jobs', {
      name: 'behind-nginx',
      executor: { kind: 'http', url: `${target.url}/hook` },
      triggers: { github: [{ repository: 'org/proxied', watchFiles: ['**'] }] },
    });
    expect(res.status).toBe(201);
    const upstream = Number(new URL(app.baseUrl).port);
    const [hostPort, adminPort] = [await freePort(), await freePort()];
    nginx = await startNginx([hostConf(hostPort, upstream), adminConf(adminPort, upstream)], [hostPort, adminPort]);
    hostUrl = `http://127.0.0.1:${hostPort}`;
    adminUrl = `http://127.0.0.1:${adminPort}`;
  });

  afterAll(async () => {
    await nginx?.stop();
    await app?.close();
    await target?.close();
  });

  describe('host nginx (ops/nginx/api-manager.conf), SPA under /manager/', () => {
    it('serves the SPA and its deep links under /manager/ with <base href="/manager/">', async () => {
      const deep = await fetch(`${hostUrl}/manager/executions/123`);
      expect(deep.status).toBe(200);
      expect(deep.headers.get('content-type')).toMatch(/text\/html/);
      const html = await deep.text();
      expect(html).toContain('<app-root>');
      expect(html).toContain('<base href="/manager/" />');
      // Every bundle index.html names resolves under the base path.
      const assets = [...html.matchAll(/(?:src|href)="([^":/]+\.(?:js|css))"/g)].map((m) => m[1]);
      expect(assets.length).toBeGreaterThan(0);
      for (const asset of assets) {
        const res = await fetch(`${hostUrl}/manager/${asset}`);
        expect([asset, res.status]).toEqual([asset, 200]);
        await res.arrayBuffer();
      }
      const index = await fetch(`${hostUrl}/manager/index.html`);
      expect(index.status).toBe(200);
      expect(await index.text()).toContain('<base href="/manager/" />');
      const bare = await fetch(`${hostUrl}/manager`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toMatch(/\/manager\/$/);
      const root = await fetch(`${hostUrl}/`, { redirect: 'manual' });
      expect(root.status).toBe(302);
    });

    it('the SPA boots in Chromium under /manager/: login redirect, sign-in, a page of data through nginx', async () => {
      const browser = await chromium.launch(await chromiumLaunchOptions());
      try {
        const page = await browser.newPage();
        const failed: string[] = [];
        page.on('response', (r) => {
          // Everything but the API (whose 401 before sign-in is expected) must load.
          if (r.status() >= 400 && !new URL(r.url()).pathname.startsWith('/api/'))
            failed.push(`${r.status()} ${r.url()}`);
        });
        page.on('requestfailed', (r) => failed.push(`failed ${r.url()}`));
        await page.goto(`${hostUrl}/manager/jobs`);
        await page.waitForURL('**/manager/login?returnUrl=%2Fjobs');
        await page.getByLabel('Username').fill('admin');
        await page.getByLabel('Password').fill(TEST_ADMIN_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL('**/manager/jobs');
        await page.getByText('behind-nginx').first().waitFor();
        expect(failed).toEqual([]);
      } finally {
        await browser.close();
      }
    });

    it('passes the health endpoints and the API through', async () => {
      const ready = await fetch(`${hostUrl}/api/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
      expect((await fetch(`${hostUrl}/api/health/live`)).status).toBe(200);
      expect((await fetch(`${hostUrl}/api/v1/jobs`)).status).toBe(401);
      const jobs = await fetch(`${hostUrl}/api/v1/jobs`, { headers: app.authHeaders });
      expect(jobs.status).toBe(200);
    });

    it('passes a signed webhook through byte for byte, on both paths, up to a 5 MB body', async () => {
      for (const p of ['/webhook', '/api/v1/webhooks/github']) {
        const res = await deliver(hostUrl, githubPush({ repository: 'org/proxied' }), { path: p });
        expect([p, res.status]).toEqual([p, 200]);
        expect(res.body.triggered_jobs).toEqual(['behind-nginx']);
      }
      // Bigger than nginx's default 1 MB limit: client_max_body_size 25m lets it reach the server.
      const big = githubPush({ repository: 'org/proxied' });
      big.padding = 'x'.repeat(5 * 1024 * 1024);
      const res = await deliver(hostUrl, big);
      expect(res.status).toBe(200);
      expect(res.body.triggered_jobs).toEqual(['behind-nginx']);
      expect((await deliver(hostUrl, githubPush(), { secret: 'not-the-secret' })).status).toBe(401);
    });

    it('streams SSE events through unbuffered', async () => {
      const ac = new AbortController();
      const res = await fetch(`${hostUrl}/api/v1/events`, { headers: app.authHeaders, signal: ac.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      const run = await app.api('POST', '/api/v1/jobs/behind-nginx/runs', {});
      expect(run.status).toBe(202);
      const id: string = run.body.execution.id;
      // Events arrive while the stream stays open (not when it closes), through nginx.
      const text = await readUntil(res, `"id":"${id}","status":"succeeded"`);
      ac.abort();
      expect(text).toContain('event: execution');
      expect(text).toContain(`"id":"${id}","status":"succeeded"`);
    });
  });

  describe('admin image nginx (ops/nginx/admin-container.conf.template)', () => {
    it('serves the SPA from files at / with deep links, and proxies health, API, webhook and SSE', async () => {
      const deep = await fetch(`${adminUrl}/jobs/behind-nginx`);
      expect(deep.status).toBe(200);
      const html = await deep.text();
      expect(html).toContain('<app-root>');
      expect(html).toMatch(/<base href="\/"\s*\/?>/);
      expect((await fetch(`${adminUrl}/missing-bundle.js`)).status).toBe(404);
      expect((await fetch(`${adminUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${adminUrl}/api/health/ready`)).status).toBe(200);
      const hook = await deliver(adminUrl, githubPush({ repository: 'org/proxied' }), { path: '/webhook' });
      expect(hook.status).toBe(200);
      expect(hook.body.triggered_jobs).toEqual(['behind-nginx']);

      const ac = new AbortController();
      const res = await fetch(`${adminUrl}/api/v1/events`, { headers: app.authHeaders, signal: ac.signal });
      expect(res.status).toBe(200);
      const run = await app.api('POST', '/api/v1/jobs/behind-nginx/runs', {});
      const text = await readUntil(res, `"id":"${run.body.execution.id}","status":"succeeded"`);
      ac.abort();
      expect(text).toContain(`"id":"${run.body.execution.id}","status":"succeeded"`);
      expect(nginx.log()).not.toMatch(/\[(emerg|alert|crit)\]/);
    });
  });
});
