import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SMTPServer } from 'smtp-server';
import { Webhook } from 'standardwebhooks';
import { query } from './helpers/database.js';
import { startHttpTarget, waitFor, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { runHelpers } from './helpers/runs.js';

let app: TestApp;
let target: HttpTarget;
let smtp: SMTPServer;
const mails: { from: string; to: string[]; data: string }[] = [];

const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const JOB_SECRET = 'Bearer job-secret-value-42';

async function channel(body: Record<string, unknown>): Promise<{ id: string }> {
  const res = await app.api('POST', '/api/v1/notifications/channels', body);
  if (res.status !== 201) throw new Error(`channel: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

async function job(name: string, path: string, notifications: unknown[], extra: Record<string, unknown> = {}) {
  const res = await app.api('POST', '/api/v1/jobs', {
    name,
    title: `Title of ${name}`,
    executor: {
      kind: 'http',
      url: `${target.url}${path}`,
      headers: { Authorization: { secret: true, value: JOB_SECRET } },
    },
    notifications,
    ...extra,
  });
  if (res.status !== 201) throw new Error(`job: ${res.status} ${JSON.stringify(res.body)}`);
}

const { runId, finished } = runHelpers(() => app, 15_000);

/** The execution once every recorded notification left `pending` (and at least `count` are recorded). */
async function notified(id: string, count = 1, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const d = (await app.api('GET', `/api/v1/executions/${id}`)).body;
      const n = d.notifications ?? [];
      return n.length >= count && n.every((x: { status: string }) => x.status !== 'pending') ? d : null;
    },
    timeoutMs,
    `notifications of ${id}`,
  );
}

function route(path: string, statuses: number[] = [200]) {
  let i = 0;
  target.on(path, (_req, res) => {
    const status = statuses[Math.min(i++, statuses.length - 1)]!;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status }));
  });
}

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
        });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  target = await startHttpTarget();
  route('/ok');
  route('/fail', [500]);
  app = await startTestApp({
    LOG_LEVEL: 'error',
    WORKER_POLL_MS: '200',
    NOTIFICATIONS_POLL_MS: '200',
    PUBLIC_URL: 'https://ops.example.com/manager',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtpPort),
    SMTP_FROM: 'API Manager <apm@example.com>',
  });
});

afterAll(async () => {
  await app?.close();
  await target?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

describe('notifications after an execution ends', () => {
  it('generic webhook: delivered with a valid Standard Webhooks signature', async () => {
    route('/hook');
    await channel({ name: 'signed', type: 'webhook', url: `${target.url}/hook`, secret: WHSEC });
    await job('signed-job', '/ok', [{ channel: 'signed', on: ['success', 'failure'] }]);
    const id = await runId('signed-job');
    const d = await notified(id);
    expect(d.status).toBe('succeeded');
    expect(d.notifications).toEqual([
      expect.objectContaining({ channel: 'signed', event: 'success', status: 'sent', attempts: 1, lastError: null }),
    ]);
    const [req] = target.hits('/hook');
    expect(req).toBeDefined();
    // The library's verification...
    const headers = {
      'webhook-id': String(req!.headers['webhook-id']),
      'webhook-timestamp': String(req!.headers['webhook-timestamp']),
      'webhook-signature': String(req!.headers['webhook-signature']),
    };
    expect(() => new Webhook(WHSEC).verify(req!.body, headers)).not.toThrow();
    expect(() => new Webhook(WHSEC).verify(req!.body.replace('succeeded', 'failed'), headers)).toThrow();
    // ...and an independent one: v1,base64(HMAC-SHA256(base64-decoded secret, "id.timestamp.body")).
    const key = Buffer.from(WHSEC.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key)
      .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${req!.body}`)
      .digest('base64');
    expect(headers['webhook-signature'].split(' ')).toContain(`v1,${expected}`);
    expect(headers['webhook-id']).toBe(d.notifications[0].id);
    const body = JSON.parse(req!.body);
    expect(body).toMatchObject({
      type: 'execution.success',
      data: {
        event: 'success',
        job: { name: 'signed-job', title: 'Title of signed-job' },
        execution: {
          id,
          status: 'succeeded',
          url: `https://ops.example.com/manager/executions/${id}`,
        },
      },
    });
    expect(typeof body.data.execution.durationMs).toBe('number');
  });

  it('Slack and Discord payloads on failure, with the (masked) error and a link; no secrets', async () => {
    route('/slack');
    route('/discord');
    await channel({ name: 'slack', type: 'slack', url: `${target.url}/slack` });
    await channel({ name: 'discord', type: 'discord', url: `${target.url}/discord` });
    await job('broken', '/fail', [
      { channel: 'slack', on: ['failure'] },
      { channel: 'discord', on: ['failure'] },
    ]);
    const id = await runId('broken');
    const d = await notified(id, 2);
    expect(d.status).toBe('failed');
    expect(d.notifications.map((n: { channel: string; status: string }) => [n.channel, n.status])).toEqual([
      ['discord', 'sent'],
      ['slack', 'sent'],
    ]);
    const slack = JSON.parse(target.hits('/slack')[0]!.body);
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toContain('Title of broken (broken): failed');
    expect(slack.text).toContain('*Error:* HTTP 500 is not a success status');
    expect(slack.text).toContain(`<https://ops.example.com/manager/executions/${id}|Open the execution>`);
    const discord = JSON.parse(target.hits('/discord')[0]!.body);
    expect(discord.allowed_mentions).toEqual({ parse: [] });
    expect(discord.embeds[0]).toMatchObject({
      title: '❌ Title of broken (broken): failed',
      url: `https://ops.example.com/manager/executions/${id}`,
      color: 0xd93025,
    });
    expect(discord.embeds[0].fields).toEqual(
      expect.arrayContaining([
        { name: 'Status', value: 'failed', inline: true },
        expect.objectContaining({ name: 'Error', value: expect.stringContaining('HTTP 500') }),
      ]),
    );
    for (const r of target.requests) {
      if (r.url === '/fail') continue;
      expect(r.body).not.toContain('job-secret-value-42');
    }
  });

  it('failure, then recovery on the first success, then nothing on a second success', async () => {
    route('/rec');
    let answer = 500;
    target.on('/flaky', (_req, res) => {
      res.writeHead(answer);
      res.end();
    });
    await channel({ name: 'rec', type: 'slack', url: `${target.url}/rec` });
    await job('flaky', '/flaky', [{ channel: 'rec', on: ['failure', 'recovery'] }]);
    const first = await runId('flaky');
    expect((await notified(first)).notifications[0]).toMatchObject({ event: 'failure', status: 'sent' });
    answer = 200;
    const second = await runId('flaky');
    expect((await notified(second)).notifications[0]).toMatchObject({ event: 'recovery', status: 'sent' });
    expect(JSON.parse(target.hits('/rec')[1]!.body).text).toContain('Title of flaky (flaky): recovered');
    const third = await runId('flaky');
    expect((await finished(third)).status).toBe('succeeded');
    // A later failure is notified: by then the third run's (empty) decision was long taken.
    answer = 500;
    const fourth = await runId('flaky');
    expect((await notified(fourth)).notifications[0]).toMatchObject({ event: 'failure', status: 'sent' });
    expect((await app.api('GET', `/api/v1/executions/${third}`)).body.notifications).toEqual([]);
    expect(target.hits('/rec')).toHaveLength(3);
  });

  it('on success: every success is notified', async () => {
    route('/succ');
    await channel({ name: 'succ', type: 'slack', url: `${target.url}/succ` });
    await job('every', '/ok', [{ channel: 'succ', on: ['success'] }]);
    for (let i = 0; i < 2; i++) {
      const id = await runId('every');
      expect((await notified(id)).notifications[0]).toMatchObject({ event: 'success', status: 'sent' });
    }
    expect(target.hits('/succ')).toHaveLength(2);
  });

  it('a failing channel is retried (500 then 200) and recorded; the job status is unaffected', async () => {
    route('/retry-hook', [500, 200]);
    route('/dead-hook', [503]);
    await channel({ name: 'retrying', type: 'webhook', url: `${target.url}/retry-hook`, secret: WHSEC });
    await channel({ name: 'dead', type: 'discord', url: `${target.url}/dead-hook` });
    await job('ok-despite', '/ok', [
      { channel: 'retrying', on: ['success'] },
      { channel: 'dead', on: ['success'] },
      { channel: 'missing', on: ['success'] },
    ]);
    const id = await runId('ok-despite');
    const d = await notified(id, 3, 30_000);
    expect(d.status).toBe('succeeded');
    const by = Object.fromEntries(d.notifications.map((n: { channel: string }) => [n.channel, n]));
    expect(by.retrying).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
    expect(by.dead).toMatchObject({ status: 'failed', attempts: 3, lastError: expect.stringContaining('HTTP 503') });
    expect(by.missing).toMatchObject({
      status: 'failed',
      attempts: 0,
      lastError: 'No notification channel named missing',
    });
    const hits = target.hits('/retry-hook');
    expect(hits).toHaveLength(2);
    // Same message id on the retry (receivers can dedupe); both signed.
    expect(hits[0]!.headers['webhook-id']).toBe(hits[1]!.headers['webhook-id']);
    for (const h of hits) {
      expect(() =>
        new Webhook(WHSEC).verify(h.body, {
          'webhook-id': String(h.headers['webhook-id']),
          'webhook-timestamp': String(h.headers['webhook-timestamp']),
          'webhook-signature': String(h.headers['webhook-signature']),
        }),
      ).not.toThrow();
    }
    expect(target.hits('/dead-hook')).toHaveLength(3);
    expect((await app.api('GET', `/api/v1/executions/${id}`)).body.status).toBe('succeeded');
  });

  it('per-channel rate limit: the excess is recorded as rate_limited, not sent', async () => {
    route('/limited');
    await channel({ name: 'limited', type: 'slack', url: `${target.url}/limited`, rateLimitPerMinute: 2 });
    await job('burst', '/ok', [{ channel: 'limited', on: ['success'] }]);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await runId('burst'));
    const statuses: string[] = [];
    for (const id of ids) statuses.push((await notified(id)).notifications[0].status);
    expect(statuses.filter((s) => s === 'sent')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'rate_limited')).toHaveLength(2);
    expect(target.hits('/limited')).toHaveLength(2);
    const [row] = await query<{ last_error: string }>(
      app.db.url,
      `SELECT last_error FROM execution_notifications WHERE channel_name = 'limited' AND status = 'rate_limited' LIMIT 1`,
    );
    expect(row!.last_error).toBe('Rate limit of 2 per minute reached: not sent');
  });

  it('email through SMTP to the channel recipients', async () => {
    await channel({ name: 'mail', type: 'email', recipients: ['ops@example.com', 'dev@example.com'] });
    await job('mailed', '/fail', [{ channel: 'mail', on: ['failure'] }]);
    const id = await runId('mailed');
    expect((await notified(id)).notifications[0]).toMatchObject({ channel: 'mail', status: 'sent' });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.from).toBe('apm@example.com');
    expect(mails[0]!.to).toEqual(['ops@example.com', 'dev@example.com']);
    // quoted-printable: undo the soft line breaks
    const text = mails[0]!.data.replace(/=\r?\n/g, '');
    expect(text).toContain('Subject: =?UTF-8?Q?=E2=9D=8C_Title_of_mailed_=28mailed=29');
    expect(text).toContain('Error: HTTP 500 is not a success status');
    expect(text).toContain(`https://ops.example.com/manager/executions/${id}`);
    expect(text).not.toContain('job-secret-value-42');
  });

  it('a pending notification left by a dead replica is sent by the sweeper (at-least-once)', async () => {
    route('/orphan');
    const ch = await channel({ name: 'orphan', type: 'slack', url: `${target.url}/orphan` });
    await job('orphaned', '/ok', []);
    const id = await runId('orphaned');
    await finished(id);
    // As a replica that crashed mid-send would leave it: claimed, lease expired.
    await query(
      app.db.url,
      `INSERT INTO execution_notifications (execution_id, channel_id, channel_name, event, attempts, lease_until, counted_at)
       VALUES ($1, $2, 'orphan', 'success', 1, now() - interval '1 second', now())`,
      [id, ch.id],
    );
    const d = await notified(id);
    expect(d.notifications[0]).toMatchObject({ status: 'sent', attempts: 2 });
    expect(target.hits('/orphan')).toHaveLength(1);
  });

  it('two replicas: each notification is recorded and sent once, and the rate limit holds across them', async () => {
    const second = await startTestApp(
      { LOG_LEVEL: 'error', WORKER_POLL_MS: '200', NOTIFICATIONS_POLL_MS: '200' },
      app.db,
    );
    try {
      route('/shared');
      await channel({ name: 'shared', type: 'slack', url: `${target.url}/shared`, rateLimitPerMinute: 3 });
      await job('replicated', '/ok', [{ channel: 'shared', on: ['success'] }]);
      const ids: string[] = [];
      for (let i = 0; i < 8; i++) ids.push(await runId('replicated'));
      const statuses: string[] = [];
      for (const id of ids) {
        const d = await notified(id);
        expect(d.notifications).toHaveLength(1);
        statuses.push(d.notifications[0].status);
      }
      expect(statuses.filter((s) => s === 'sent')).toHaveLength(3);
      expect(statuses.filter((s) => s === 'rate_limited')).toHaveLength(5);
      expect(target.hits('/shared')).toHaveLength(3);
    } finally {
      await second.close();
    }
  });

  it('an execution whose final event no replica heard is caught up and notified', async () => {
    route('/caught');
    await channel({ name: 'caught', type: 'slack', url: `${target.url}/caught` });
    await job('unheard', '/ok', [{ channel: 'caught', on: ['success'] }]);
    const id = await runId('unheard');
    await notified(id);
    expect(target.hits('/caught')).toHaveLength(1);
    // As if the recording had never happened: the catch-up scan (every 30 polls = 6 s here) records it again.
    await query(app.db.url, 'DELETE FROM execution_notifications WHERE execution_id = $1', [id]);
    const d = await notified(id, 1, 30_000);
    expect(d.notifications[0]).toMatchObject({ channel: 'caught', event: 'success', status: 'sent' });
    expect(target.hits('/caught')).toHaveLength(2);
  });
});
