import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, query, type TestDatabase } from './helpers/database.js';
import { waitFor } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { git, makeRepo, type TestRepo } from './helpers/git.js';
import { deliver, githubPush, WEBHOOK_TEST_SECRET } from './helpers/webhooks.js';
import { runHelpers } from './helpers/runs.js';

const ENV_SECRET = 'env-secret-Zq81kx0w';
const TOKEN = 'ghp_checkoutToken0123456789';

let app: TestApp;
let db: TestDatabase;
let dir: string;
let workspaces: string;
let repo: TestRepo;

const { createJob, run, detail, finished } = runHelpers(() => app, 30_000);

const logText = (d: { logs: { message: string }[] }) => d.logs.map((l) => l.message).join('\n');

/** Everything stored about an execution, as text (row and log lines). */
async function storedText(id: string): Promise<string> {
  const rows = await query(app.db.url, 'SELECT * FROM executions WHERE id = $1', [id]);
  const logs = await query(app.db.url, 'SELECT level, message FROM execution_logs WHERE execution_id = $1', [id]);
  return JSON.stringify(rows) + JSON.stringify(logs);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (killed, not yet reaped by init) is not running.
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'apm-command-'));
  workspaces = path.join(dir, 'workspaces');
  repo = makeRepo(dir);
  db = await createTestDatabase();
  app = await startTestApp(
    {
      APP_SECRET: 'command-jobs-test-secret-0123456789',
      WEBHOOK_SECRET: WEBHOOK_TEST_SECRET,
      COMMAND_JOBS_ENABLED: 'true',
      COMMAND_WORKSPACE_DIR: workspaces,
      COMMAND_LOG_MAX_LINES: '60',
      COMMAND_KILL_GRACE_MS: '500',
      WORKER_POLL_MS: '100',
      SCHEDULER_ENABLED: 'false',
      LOG_LEVEL: 'error',
    },
    db,
  );
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('command jobs: push → checkout → script → commit back', () => {
  it('checks out the pushed commit, runs the script with CI_* and env, commits back with [skip ci]; that push is skipped', async () => {
    await createJob({
      name: 'build-site',
      executor: {
        kind: 'command',
        script: [
          'echo "sha=$CI_COMMIT_SHA branch=$CI_BRANCH"',
          'echo "job=$CI_JOB_ID exec=$CI_EXECUTION_ID"',
          'echo "repo=$CI_REPO_URL ws=$CI_WORKSPACE"',
          'echo "changed=$CI_CHANGED_FILES"',
          'echo "greeting=$GREETING key=$API_KEY"',
          'echo "db=${DATABASE_URL:-none} app=${APP_SECRET:-none}"',
          'echo "to stderr" >&2',
          'test "$(git rev-parse HEAD)" = "$CI_COMMIT_SHA"',
          'mkdir -p out',
          'echo "built $CI_COMMIT_SHA" > out/build.txt',
        ].join('\n'),
        env: { GREETING: 'hello {{ push.branch }}', API_KEY: { secret: true, value: ENV_SECRET } },
        timeoutMs: 60_000,
        checkout: { url: repo.remote },
        commitBack: { authorName: 'Site Bot', authorEmail: 'bot@example.com' },
      },
      triggers: { github: [{ repository: 'org/site', branches: ['main'], watchFiles: ['src/**'] }] },
    });
    const job = (await app.api('GET', '/api/v1/jobs/build-site')).body;
    expect(job.executor.env.API_KEY).toEqual({ secret: true, set: true });
    expect(JSON.stringify(job)).not.toContain(ENV_SECRET);

    const sha = repo.commitAndPush({ 'src/a.txt': 'a\n' }, 'add a');
    const d1 = await deliver(
      app.baseUrl,
      githubPush({ repository: 'org/site', after: sha, commits: [{ message: 'add a', added: ['src/a.txt'] }] }),
    );
    expect(d1.status).toBe(200);
    expect(d1.body.triggered_jobs).toEqual(['build-site']);
    const [row] = await query<{ id: string }>(app.db.url, 'SELECT id FROM executions WHERE delivery_id = $1', [
      d1.body.delivery_id,
    ]);
    const d = await finished(row.id);
    const text = logText(d);
    expect({ status: d.status, error: d.error }).toEqual({ status: 'succeeded', error: null });
    expect(text).toContain(`sha=${sha} branch=main`);
    expect(text).toContain(`job=${job.id} exec=${row.id}`);
    expect(text).toContain(`repo=${repo.remote} ws=${workspaces}/${row.id}-1/workspace`);
    expect(text).toContain('changed=src/a.txt');
    expect(text).toContain('greeting=hello main key=***');
    expect(text).toContain('db=none app=none');
    expect(d.logs).toContainEqual(expect.objectContaining({ level: 'warn', message: 'to stderr' }));
    expect(d.request).toMatchObject({
      kind: 'command',
      env: { GREETING: 'hello main', API_KEY: '***' },
      checkout: { url: repo.remote, branch: 'main', commit: sha },
      commitBack: true,
    });
    expect(d.response).toMatchObject({ exitCode: 0, truncated: false, commit: { changed: true, pushed: true } });

    // The remote has the commit: on top of the pushed one, [skip ci], with the script's file.
    const head = repo.remoteHead();
    expect(head.parent).toBe(sha);
    expect(head.subject).toBe(`[skip ci] build-site execution ${row.id}`);
    expect(d.response.commit.sha).toBe(head.sha);
    expect(repo.show('out/build.txt')).toBe(`built ${sha}`);

    // Secrets: nowhere in the row, its logs or the API.
    expect(await storedText(row.id)).not.toContain(ENV_SECRET);
    expect(JSON.stringify(d)).not.toContain(ENV_SECRET);

    // The push of that commit comes back as a webhook: skipped, nothing queued.
    const d2 = await deliver(
      app.baseUrl,
      githubPush({
        repository: 'org/site',
        before: sha,
        after: head.sha,
        commits: [{ message: head.subject, added: ['out/build.txt', 'src/b.txt'] }],
      }),
    );
    expect(d2.status).toBe(200);
    expect(d2.body.triggered_jobs).toEqual([]);
    expect(d2.body.skipped).toMatch(/skip ci/);
    const [delivery] = await query<{ outcome: string; skip_reason: string }>(
      app.db.url,
      'SELECT outcome, skip_reason FROM webhook_deliveries WHERE id = $1',
      [d2.body.delivery_id],
    );
    expect(delivery).toEqual({ outcome: 'skipped', skip_reason: expect.stringMatching(/skip ci/) });
    expect(await query(app.db.url, 'SELECT id FROM executions WHERE delivery_id = $1', [d2.body.delivery_id])).toEqual(
      [],
    );

    // The workspace is gone.
    expect(readdirSync(workspaces)).toEqual([]);
  });

  it('a rejected push fails the execution with git’s reason', async () => {
    await createJob({
      name: 'racer',
      executor: {
        kind: 'command',
        // Someone else pushes to main meanwhile; our commit is then not a fast-forward.
        script: [
          'git -c user.name=x -c user.email=x@example.com commit -q --allow-empty -m "concurrent change"',
          'git push -q origin HEAD:main',
          'git reset -q --hard HEAD~1',
          'echo generated > generated.txt',
        ].join('\n'),
        checkout: { url: repo.remote, ref: 'main' },
        commitBack: {},
      },
    });
    const before = repo.remoteHead();
    const exec = await run('racer');
    const d = await finished(exec.id);
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/^commitBack: pushing [0-9a-f]{12} to main was rejected: .*rejected/);
    expect(d.response.commit).toMatchObject({ changed: true, pushed: false, branch: 'main' });
    const after = repo.remoteHead();
    expect(after.subject).toBe('concurrent change');
    expect(after.parent).toBe(before.sha);
    expect(readdirSync(workspaces)).toEqual([]);
  });

  it('a run without changes pushes nothing', async () => {
    await createJob({
      name: 'noop',
      executor: { kind: 'command', script: 'ls', checkout: { url: repo.remote }, commitBack: {} },
    });
    const before = repo.remoteHead();
    const d = await finished((await run('noop')).id);
    expect(d.status).toBe('succeeded');
    expect(d.response.commit).toEqual({ changed: false });
    expect(d.request.checkout).toMatchObject({ branch: 'main', commit: before.sha });
    expect(logText(d)).toContain('README.md');
    expect(repo.remoteHead().sha).toBe(before.sha);
  });
});

describe('command jobs: checkout.ref and pushes', () => {
  it('a push-triggered run builds exactly the pushed commit, whatever checkout.ref says; ref applies to runs without a push', async () => {
    await createJob({
      name: 'ref-build',
      executor: {
        kind: 'command',
        script: ['echo "head=$(git rev-parse HEAD) sha=$CI_COMMIT_SHA"', 'cat version.txt > built.txt'].join('\n'),
        checkout: { url: repo.remote, ref: 'main' },
        commitBack: { authorName: 'Ref Bot', authorEmail: 'ref@example.com' },
      },
      triggers: { github: [{ repository: 'org/refs', branches: ['main'], watchFiles: ['version.txt'] }] },
    });
    // (earlier tests pushed to the remote: bring the working clone up to date first)
    git(repo.dev, 'fetch', '-q', 'origin');
    git(repo.dev, 'reset', '-q', '--hard', 'origin/main');
    const a = repo.commitAndPush({ 'version.txt': 'A\n' }, 'version A');
    const b = repo.commitAndPush({ 'version.txt': 'B\n' }, 'version B');
    // A's webhook arrives after B was pushed.
    const res = await deliver(
      app.baseUrl,
      githubPush({ repository: 'org/refs', after: a, commits: [{ message: 'version A', modified: ['version.txt'] }] }),
    );
    expect(res.body.triggered_jobs).toEqual(['ref-build']);
    const [row] = await query<{ id: string }>(app.db.url, 'SELECT id FROM executions WHERE delivery_id = $1', [
      res.body.delivery_id,
    ]);
    const d = await finished(row.id);
    expect(logText(d)).toContain(`head=${a} sha=${a}`);
    expect(logText(d)).toContain('checkout.ref main does not apply');
    expect(d.request.checkout).toMatchObject({ branch: 'main', commit: a, ref: null });
    // A's build is not committed on top of B: main moved on, so git refuses the push and says why.
    expect(d.status).toBe('failed');
    expect(d.error).toMatch(/^commitBack: pushing [0-9a-f]{12} to main was rejected/);
    expect(repo.remoteHead().sha).toBe(b);

    // Without a push, checkout.ref decides: main's tip (B) is built and committed back.
    const m = await finished((await run('ref-build')).id);
    expect(m.status).toBe('succeeded');
    expect(logText(m)).toContain(`head=${b} sha=${b}`);
    expect(m.request.checkout).toMatchObject({ ref: 'main', branch: 'main', commit: b });
    expect(repo.remoteHead().parent).toBe(b);
    expect(repo.show('built.txt')).toBe('B');
  });
});

describe('command jobs: the clone URL of a push', () => {
  it('uses the payload’s clone URL only with a network transport; without any URL the run fails clearly', async () => {
    await createJob({
      name: 'from-payload',
      executor: { kind: 'command', script: 'true', checkout: {} },
      triggers: { github: [{ repository: 'org/payload' }] },
    });
    const payload = githubPush({ repository: 'org/payload', commits: [{ added: ['x'] }] });
    payload.repository.clone_url = repo.remote; // a server path: not accepted from a payload
    const d1 = await deliver(app.baseUrl, payload);
    expect(d1.body.triggered_jobs).toEqual(['from-payload']);
    const [row] = await query<{ id: string }>(app.db.url, 'SELECT id FROM executions WHERE delivery_id = $1', [
      d1.body.delivery_id,
    ]);
    const d = await finished(row.id);
    expect(d.status).toBe('failed');
    expect(d.error).toBe(`checkout: the push names a clone URL git may not use here (${repo.remote})`);

    const manual = await finished((await run('from-payload')).id);
    expect(manual.status).toBe('failed');
    expect(manual.error).toMatch(/^checkout: no repository: set executor.checkout.url/);
  });
});

describe('command jobs: processes, logs, secrets', () => {
  it('a timeout kills the whole process tree (also children ignoring SIGTERM)', async () => {
    await createJob({
      name: 'sleeper',
      executor: {
        kind: 'command',
        script: [
          'sleep 300 &',
          'echo "pid $!"',
          `sh -c 'trap "" TERM; sleep 301 & echo "pid $!"; wait' &`,
          'echo "pid $!"',
          'sleep 302 &',
          'echo "pid $!"',
          'wait',
        ].join('\n'),
        timeoutMs: 1500,
      },
    });
    const d = await finished((await run('sleeper')).id);
    expect(d.status).toBe('timed_out');
    expect(d.error).toMatch(/Timed out after 1500 ms/);
    const pids = [...logText(d).matchAll(/^pid (\d+)$/gm)].map((m) => Number(m[1]));
    expect(pids).toHaveLength(4);
    await waitFor(() => pids.every((p) => !alive(p)), 10_000, `pids ${pids.join(', ')} to be gone`);
    expect(readdirSync(workspaces)).toEqual([]);
  });

  it('cancel kills the running script', async () => {
    await createJob({ name: 'long', executor: { kind: 'command', script: 'echo "pid $$"\nsleep 120' } });
    const exec = await run('long');
    const pid = await waitFor(async () => {
      const m = /^pid (\d+)$/m.exec(logText(await detail(exec.id)));
      return m ? Number(m[1]) : null;
    });
    expect((await app.api('POST', `/api/v1/executions/${exec.id}/cancel`)).status).toBeLessThan(300);
    const d = await finished(exec.id);
    expect(d.status).toBe('cancelled');
    await waitFor(() => !alive(pid), 10_000, `pid ${pid} to be gone`);
  });

  it('output is streamed while running and capped (the cap recorded)', async () => {
    await createJob({
      name: 'chatty',
      executor: {
        kind: 'command',
        script: 'echo first\nsleep 1.5\nfor i in $(seq 1 500); do echo "line $i"; done\nexit 3',
      },
    });
    const exec = await run('chatty');
    // "first" is in the logs while the script still sleeps.
    const live = await waitFor(async () => {
      const d = await detail(exec.id);
      return d.logs.some((l: { message: string }) => l.message === 'first') ? d : null;
    });
    expect(live.status).toBe('running');
    const d = await finished(exec.id);
    expect(d.status).toBe('failed');
    expect(d.error).toBe('The script exited with code 3');
    const text = logText(d);
    expect(text).toContain('line 59');
    expect(text).not.toContain('line 60\n');
    expect(text).toMatch(/Output cut: more than 60 lines/);
    expect(d.response).toMatchObject({ exitCode: 3, truncated: true, logLines: 60, droppedLines: 441 });
  });

  it('the checkout token goes to git as a header, never into the URL, logs, rows or the API', async () => {
    const seen: IncomingHttpHeaders[] = [];
    const server: Server = createServer((req, res) => {
      seen.push(req.headers);
      res.statusCode = 403;
      res.end('no');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      await createJob({
        name: 'private-repo',
        executor: {
          kind: 'command',
          script: 'true',
          checkout: {
            url: `http://127.0.0.1:${port}/org/private.git`,
            ref: 'main',
            token: { secret: true, value: TOKEN },
          },
        },
      });
      const job = (await app.api('GET', '/api/v1/jobs/private-repo')).body;
      expect(job.executor.checkout.token).toEqual({ secret: true, set: true });
      const d = await finished((await run('private-repo')).id);
      expect(d.status).toBe('failed');
      expect(d.error).toMatch(/^checkout: /);
      const basic = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
      expect(seen.map((h) => h.authorization)).toContain(`Basic ${basic}`);
      const all = (await storedText(d.id)) + JSON.stringify(d) + JSON.stringify(job);
      expect(all).not.toContain(TOKEN);
      expect(all).not.toContain(basic);
      expect(logText(d)).toContain(`remote add origin http://127.0.0.1:${port}/org/private.git`);
    } finally {
      server.close();
    }
  });

  it('params are variables; a secret param is masked in logs', async () => {
    await createJob({
      name: 'with-params',
      params: [
        { name: 'target', type: 'string', default: 'prod' },
        { name: 'password', type: 'string', secret: true, default: 'param-secret-77' },
        { name: 'hosts', type: 'string[]' },
      ],
      executor: { kind: 'command', script: 'echo "$target $password $hosts"' },
    });
    const d = await finished((await run('with-params', { params: { hosts: ['a', 'b'] } })).id);
    expect(d.status).toBe('succeeded');
    expect(logText(d)).toContain('prod *** ["a","b"]');
    expect(await storedText(d.id)).not.toContain('param-secret-77');
  });

  it('overlap queue with max 1: runs of one job never overlap', async () => {
    const marks = path.join(dir, 'marks.txt');
    await createJob({
      name: 'one-at-a-time',
      executor: { kind: 'command', script: `echo start >> ${marks}\nsleep 0.5\necho end >> ${marks}` },
      concurrency: { max: 1, overlap: 'queue' },
    });
    const ids = [(await run('one-at-a-time')).id, (await run('one-at-a-time')).id, (await run('one-at-a-time')).id];
    for (const id of ids) expect((await finished(id)).status).toBe('succeeded');
    expect(readFileSync(marks, 'utf8').trim().split('\n')).toEqual(['start', 'end', 'start', 'end', 'start', 'end']);
  });

  it('refuses bad definitions with clear 400s', async () => {
    const bad = async (executor: Record<string, unknown>) => {
      const res = await app.api('POST', '/api/v1/jobs', { name: 'bad-command', executor });
      expect(res.status).toBe(400);
      return JSON.stringify(res.body.message);
    };
    expect(await bad({ kind: 'command' })).toContain('script');
    expect(await bad({ kind: 'command', script: 'x', commitBack: {} })).toContain('commitBack needs executor.checkout');
    expect(await bad({ kind: 'command', script: 'x', workingDirectory: '../..' })).toContain('inside the workspace');
    expect(await bad({ kind: 'command', script: 'x', env: { 'BAD-NAME': 'x' } })).toContain('BAD-NAME');
    expect(await bad({ kind: 'command', script: 'x', checkout: { url: 'https://u:p@example.com/r.git' } })).toContain(
      'credentials',
    );
    expect(await bad({ kind: 'shell', script: 'x' })).toContain(
      'kind must be one of the following values: http, command',
    );
    expect((await app.api('GET', '/api/v1/capabilities')).body).toEqual({ commandJobs: true });
  });
});

describe('command jobs disabled', () => {
  it('answers 400 on create/update, fails queued executions, and says so in /capabilities', async () => {
    await createJob({ name: 'made-while-enabled', executor: { kind: 'command', script: 'echo should-not-run' } });
    const off = await startTestApp(
      {
        APP_SECRET: 'command-jobs-test-secret-0123456789',
        WORKER_POLL_MS: '100',
        SCHEDULER_ENABLED: 'false',
        LOG_LEVEL: 'error',
      },
      db,
    );
    try {
      expect((await off.api('GET', '/api/v1/capabilities')).body).toEqual({ commandJobs: false });
      const created = await off.api('POST', '/api/v1/jobs', {
        name: 'new-command',
        executor: { kind: 'command', script: 'echo hi' },
      });
      expect(created.status).toBe(400);
      expect(JSON.stringify(created.body.message)).toContain('COMMAND_JOBS_ENABLED=true');
      const patched = await off.api('PATCH', '/api/v1/jobs/made-while-enabled', { description: 'x' });
      expect(patched.status).toBe(400);
      // An HTTP job is unaffected.
      const http = await off.api('POST', '/api/v1/jobs', {
        name: 'plain-http',
        executor: { kind: 'http', url: 'http://127.0.0.1:9/' },
      });
      expect(http.status).toBe(201);

      // Stop the enabled app's worker from taking it: only `off` runs workers from here on.
      await app.close();
      app = off;
      const res = await off.api('POST', '/api/v1/jobs/made-while-enabled/runs', {});
      expect(res.status).toBe(202);
      const d = await finished(res.body.execution.id);
      expect(d.status).toBe('failed');
      expect(d.error).toMatch(/Command jobs are disabled on this server \(COMMAND_JOBS_ENABLED is not true\)/);
      expect(logText(d)).not.toContain('should-not-run');
    } finally {
      if (app !== off) await off.close();
    }
  });
});
