import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

// Live output: lines are written when they happen (request sent, headers, body done; command output as it
// is printed), and the SSE stream carries their text, with ids a client can resume from (Last-Event-ID).
// Retry failed children of a fan-out parent: only those re-run, into the same parent's progress.

let app: TestApp;
let target: HttpTarget;

interface SseEvent {
  id: string;
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an event's JSON, read field by field in assertions
  data: any;
  receivedAt: number;
}

/** A real streaming HTTP client (as `curl -N`): parses the SSE frames as they arrive. */
function openStream(path: string, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const events: SseEvent[] = [];
  let status = 0;
  const done = (async () => {
    const res = await fetch(app.baseUrl + path, { headers: { ...app.authHeaders, ...headers }, signal: ac.signal });
    status = res.status;
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e: Partial<SseEvent> = { receivedAt: Date.now() };
          for (const line of frame.split('\n')) {
            const [k, ...rest] = line.split(': ');
            const v = rest.join(': ');
            if (k === 'id') e.id = v;
            else if (k === 'event') e.event = v;
            else if (k === 'data') e.data = JSON.parse(v);
          }
          if (e.event) events.push(e as SseEvent);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    events,
    get status() {
      return status;
    },
    logLines: (execId?: string) =>
      events
        .filter((e) => e.event === 'log' && (!execId || e.data.id === execId))
        .flatMap((e) => e.data.logs as { id: string; at: string; message: string }[]),
    async close() {
      ac.abort();
      await done;
    },
  };
}

const { createJob, run, detail, finished } = runHelpers(() => app);

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ COMMAND_JOBS_ENABLED: 'true', WORKER_POLL_MS: '100', SCHEDULER_ENABLED: 'false' });
});

afterAll(async () => {
  await app?.close();
  await target?.close();
});

describe('HTTP: events are recorded when they happen', () => {
  it('request sent, response headers and body done are logged at their own times; the request shows in flight', async () => {
    let release: (() => void) | null = null;
    target.on('/slow', (_req, res) => {
      // Headers at once, then the body drips until the test releases it.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('part one\n');
      release = () => res.end('part two\n');
    });
    await createJob({
      name: 'slow-call',
      executor: {
        kind: 'http',
        method: 'GET',
        url: `${target.url}/slow`,
        headers: { 'X-Token': { secret: true, value: 'live-secret-token-123' } },
      },
    });
    const stream = openStream('/api/v1/events');
    await waitFor(() => stream.status === 200 || null, 10_000, 'the stream to open');
    const { id } = await run('slow-call');

    // While the body is still dripping: the request is on the execution and the first two lines are there.
    const inFlight = await waitFor(
      async () => {
        const d = await detail(id);
        return d.logs?.some((l: { message: string }) => /Response headers: HTTP 200/.test(l.message)) ? d : null;
      },
      20_000,
      'the response headers line while in flight',
    );
    expect(inFlight.status).toBe('running');
    expect(inFlight.request).toMatchObject({ method: 'GET', url: `${target.url}/slow` });
    expect(JSON.stringify(inFlight.request)).not.toContain('live-secret-token-123');
    expect(inFlight.logs.map((l: { message: string }) => l.message)).toEqual([
      expect.stringMatching(/^Attempt 1\/\d+: GET .*\/slow: request sent, waiting for the response$/),
      expect.stringMatching(/^Response headers: HTTP 200 after \d+ ms$/),
    ]);
    // The SSE stream carries the text of those lines before the run ends.
    await waitFor(() => stream.logLines(id).length >= 2 || null, 10_000, 'log lines on the stream');
    expect(stream.logLines(id).map((l) => l.message)[0]).toMatch(/request sent/);

    const releasedAt = Date.now();
    release!();
    const d = await finished(id);
    expect(d.status).toBe('succeeded');
    const lines = d.logs as { at: string; message: string }[];
    const sent = lines.find((l) => /request sent/.test(l.message))!;
    const headers = lines.find((l) => /Response headers/.test(l.message))!;
    const body = lines.find((l) => /^Body done: HTTP 200/.test(l.message))!;
    expect(body.message).toMatch(/18 bytes/);
    // Each line carries its own time: sent <= headers < release <= body done.
    expect(new Date(sent.at).getTime()).toBeLessThanOrEqual(new Date(headers.at).getTime());
    expect(new Date(headers.at).getTime()).toBeLessThan(releasedAt);
    expect(new Date(body.at).getTime()).toBeGreaterThanOrEqual(new Date(headers.at).getTime());
    expect(new Date(body.at).getTime()).toBeGreaterThanOrEqual(releasedAt - 5);
    await waitFor(() => stream.logLines(id).some((l) => /Body done/.test(l.message)) || null, 10_000, 'body done');
    await stream.close();
  });
});

describe('command output is streamed while the script runs', () => {
  it('lines reach the SSE stream before the run ends; a resume with Last-Event-ID gets exactly the missed lines', async () => {
    const marker = '/tmp/live-output-go-' + process.pid;
    await createJob({
      name: 'printer',
      executor: {
        kind: 'command',
        // Prints, then waits for the test to create the marker file, then prints more.
        script: `echo "line one"; echo "token=$TOK"; echo "line two" >&2; while [ ! -e ${marker} ]; do sleep 0.05; done; for i in 1 2 3 4 5; do echo "after $i"; done`,
        env: { TOK: { secret: true, value: 'cmd-secret-value-456' } },
        timeoutMs: 60_000,
      },
    });
    const stream = openStream('/api/v1/events');
    await waitFor(() => stream.status === 200 || null, 10_000, 'the stream to open');
    const { id } = await run('printer');
    await waitFor(
      () => stream.logLines(id).some((l) => l.message === 'line two') || null,
      20_000,
      'the first lines on the stream',
    );
    // The run is still going (it waits for the marker), and the secret is masked in the streamed text.
    const running = await detail(id);
    expect(running.status).toBe('running');
    // What runs is on the execution while it runs, secrets masked.
    expect(running.request).toMatchObject({ kind: 'command', env: { TOK: '***' } });
    expect(running.request.script).toContain('echo "line one"');
    const early = stream.logLines(id).map((l) => l.message);
    expect(early).toEqual(expect.arrayContaining(['line one', 'token=***', 'line two']));
    expect(JSON.stringify(stream.events)).not.toContain('cmd-secret-value-456');

    // Event ids increase along the stream.
    const ids = stream.events.map((e) => e.id.split('.').map(Number));
    for (let i = 1; i < ids.length; i++) {
      expect(ids[i][0] > ids[i - 1][0] || (ids[i][0] === ids[i - 1][0] && ids[i][1] > ids[i - 1][1])).toBe(true);
    }

    // Disconnect, let the script finish, and resume from the last id seen.
    const lastId = stream.events[stream.events.length - 1].id;
    const seenIds = new Set(stream.logLines().map((l) => l.id));
    await stream.close();
    const { writeFileSync, rmSync } = await import('node:fs');
    writeFileSync(marker, '');
    const d = await finished(id);
    rmSync(marker, { force: true });
    expect(d.status).toBe('succeeded');

    const resumed = openStream(`/api/v1/events?execution=${id}`, { 'last-event-id': lastId });
    const missed = (d.logs as { id?: string; message: string }[]).filter((l) => /^after \d$/.test(l.message));
    expect(missed).toHaveLength(5);
    await waitFor(
      () => resumed.logLines(id).filter((l) => /^after \d$/.test(l.message)).length >= 5 || null,
      10_000,
      'the missed lines on resume',
    );
    const replayed = resumed.logLines(id);
    // Exactly the lines after the cursor, in order, each once, none that the first stream had.
    expect(replayed.filter((l) => /^after \d$/.test(l.message)).map((l) => l.message)).toEqual([
      'after 1',
      'after 2',
      'after 3',
      'after 4',
      'after 5',
    ]);
    expect(replayed.filter((l) => seenIds.has(l.id))).toEqual([]);
    expect(new Set(replayed.map((l) => l.id)).size).toBe(replayed.length);
    const numeric = replayed.map((l) => BigInt(l.id));
    expect([...numeric].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(numeric);
    // Resumed ids continue after the one given.
    const [c0, s0] = lastId.split('.').map(Number);
    const [c1, s1] = resumed.events[0].id.split('.').map(Number);
    expect(c1 > c0 || (c1 === c0 && s1 > s0)).toBe(true);
    await resumed.close();
  });

  it('refuses a malformed Last-Event-ID or execution filter with 400', async () => {
    const bad = await fetch(`${app.baseUrl}/api/v1/events`, { headers: { ...app.authHeaders, 'last-event-id': 'x1' } });
    expect(bad.status).toBe(400);
    const badExec = await app.api('GET', '/api/v1/events?execution=nope');
    expect(badExec.status).toBe(400);
  });
});

describe('retry failed children', () => {
  it('re-runs only the failed children of a 5-child fan-out into the same parent', async () => {
    const failing = new Set(['c', 'e']);
    target.on('/dev', (req, res) => {
      const dev = new URL(req.url, 'http://x').searchParams.get('id')!;
      res.writeHead(failing.has(dev) ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ dev }));
    });
    await createJob({
      name: 'fan-devices',
      executor: { kind: 'http', method: 'GET', url: `${target.url}/dev`, query: { id: '{{ params.device_id }}' } },
      params: [{ name: 'device_id', type: 'string[]', fanOut: true, required: true }],
    });
    const parent = await run('fan-devices', { params: { device_id: ['a', 'b', 'c', 'd', 'e'] } });
    const first = await finished(parent.id);
    expect(first.status).toBe('partial');
    expect(first.progress).toMatchObject({ total: 5, done: 5, failed: 2 });
    const hitsBefore = target.hits('/dev').length;
    expect(hitsBefore).toBe(5);

    // A plain (not fan-out) execution cannot retry "failed children".
    const child = first.children.find((c: { status: string }) => c.status === 'succeeded');
    expect((await app.api('POST', `/api/v1/executions/${child.id}/retry?only=failed`)).status).toBe(400);
    expect((await app.api('POST', `/api/v1/executions/${parent.id}/retry?only=everything`)).status).toBe(400);

    failing.clear();
    // Two clicks at once: one retry, the other 409.
    const [r1, r2] = await Promise.all([
      app.api('POST', `/api/v1/executions/${parent.id}/retry?only=failed`),
      app.api('POST', `/api/v1/executions/${parent.id}/retry`, { only: 'failed' }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual([202, 409]);
    const accepted = r1.status === 202 ? r1 : r2;
    expect(accepted.body.execution.id).toBe(parent.id);
    expect(accepted.body.execution.status).toBe('running');

    const again = await waitFor(
      async () => {
        const d = await detail(parent.id);
        return d.status !== 'running' ? d : null;
      },
      30_000,
      'the parent to settle again',
    );
    expect(again.status).toBe('succeeded');
    expect(again.progress).toMatchObject({ total: 5, done: 5, failed: 0 });
    expect(again.error).toBeNull();
    // Only the two failed devices were called again.
    const rerun = target
      .hits('/dev')
      .slice(hitsBefore)
      .map((h) => new URL(h.url, 'http://x').searchParams.get('id'));
    expect(rerun.sort()).toEqual(['c', 'e']);
    const retried = again.children.filter((c: { retryOf?: string | null }) => c.retryOf);
    expect(retried).toHaveLength(2);
    // Nothing failed any more: another retry has nothing to do.
    expect((await app.api('POST', `/api/v1/executions/${parent.id}/retry?only=failed`)).status).toBe(409);
  });
});
