import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { query } from './helpers/database.js';
import { startHttpTarget, type HttpTarget } from './helpers/http-target.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let app: TestApp;
let target: HttpTarget;

const SLACK_TOKEN = 'T0001/B0002/slackTokenXYZ123';
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

beforeAll(async () => {
  target = await startHttpTarget();
  app = await startTestApp({ LOG_LEVEL: 'error', NOTIFICATIONS_POLL_MS: '200' });
});

afterAll(async () => {
  await app?.close();
  await target?.close();
});

const CHANNELS = '/api/v1/notifications/channels';

describe('notification channels API', () => {
  it('creates a Slack channel: the URL (it holds the token) is encrypted at rest and never returned', async () => {
    const res = await app.api('POST', CHANNELS, {
      name: 'ops-slack',
      type: 'slack',
      url: `https://hooks.slack.com/services/${SLACK_TOKEN}`,
      description: 'ops room',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'ops-slack',
      type: 'slack',
      enabled: true,
      hasUrl: true,
      hasSecret: false,
      urlHint: 'https://hooks.slack.com/…',
      rateLimitPerMinute: 20,
      recipients: [],
    });
    expect(JSON.stringify(res.body)).not.toContain('slackToken');
    const list = await app.api('GET', CHANNELS, undefined, await app.as('viewer'));
    expect(list.status).toBe(200);
    expect(list.body.items.map((c: { name: string }) => c.name)).toContain('ops-slack');
    expect(JSON.stringify(list.body)).not.toContain('slackToken');
    const [row] = await query<{ url: string }>(
      app.db.url,
      `SELECT url FROM notification_channels WHERE name = 'ops-slack'`,
    );
    expect(row!.url.startsWith('enc:v1:')).toBe(true);
    expect(row!.url).not.toContain('slackToken');
  });

  it('creates a signed webhook channel; the whsec_ secret is never returned, PATCH keeps it unless given', async () => {
    const res = await app.api('POST', CHANNELS, {
      name: 'ci-hook',
      type: 'webhook',
      url: `${target.url}/hook?token=abc123secret`,
      secret: WHSEC,
      rateLimitPerMinute: 5,
    });
    expect(res.status).toBe(201);
    expect(res.body.hasSecret).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('MfKQ9r8');
    expect(JSON.stringify(res.body)).not.toContain('abc123secret');
    const patched = await app.api('PATCH', `${CHANNELS}/${res.body.id}`, { description: 'CI', enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'CI', enabled: false, hasSecret: true, rateLimitPerMinute: 5 });
    const [row] = await query<{ secret: string }>(
      app.db.url,
      `SELECT secret FROM notification_channels WHERE id = $1`,
      [res.body.id],
    );
    expect(row!.secret.startsWith('enc:v1:')).toBe(true);
  });

  it('bad input: 400 with the messages, nothing written', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ name: 'x', type: 'pager' }, /type must be one of slack, discord, webhook, email/],
      [{ name: 'Bad Name', type: 'slack', url: 'https://x.test/a' }, /name must be a slug/],
      [{ name: 'no-url', type: 'discord' }, /url is required for a discord channel/],
      [{ name: 'ftp', type: 'slack', url: 'ftp://x.test/a' }, /url must be an http\(s\) URL/],
      [{ name: 'unsigned', type: 'webhook', url: 'https://x.test/a' }, /secret \(whsec_<base64>\) is required/],
      [
        { name: 'badsec', type: 'webhook', url: 'https://x.test/a', secret: 'plain' },
        /secret must be a Standard Webhooks secret/,
      ],
      [
        { name: 'slack-sec', type: 'slack', url: 'https://x.test/a', secret: WHSEC },
        /secret is only used by webhook channels/,
      ],
      [{ name: 'mail', type: 'email', recipients: ['ops@example.com'] }, /email channels need SMTP_HOST/],
      [
        { name: 'mail2', type: 'email', recipients: ['not-an-address'] },
        /each value in recipients must be an email address/,
      ],
      [
        { name: 'rl', type: 'slack', url: 'https://x.test/a', rateLimitPerMinute: 0 },
        /rateLimitPerMinute must not be less than 1/,
      ],
      [{ name: 'extra', type: 'slack', url: 'https://x.test/a', token: 'x' }, /property token should not exist/],
    ];
    for (const [body, message] of cases) {
      const res = await app.api('POST', CHANNELS, body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body.message)).toMatch(message);
    }
    const [{ n }] = (await query<{ n: number }>(
      app.db.url,
      `SELECT count(*)::int AS n FROM notification_channels WHERE name <> ALL($1)`,
      [['ops-slack', 'ci-hook']],
    )) as [{ n: number }];
    expect(n).toBe(0);
    expect((await app.api('PATCH', `${CHANNELS}/not-a-uuid`, {})).status).toBe(400);
    expect((await app.api('PATCH', `${CHANNELS}/00000000-0000-4000-8000-000000000000`, {})).status).toBe(404);
  });

  it('a duplicate name is a conflict, not a 500', async () => {
    const res = await app.api('POST', CHANNELS, { name: 'ops-slack', type: 'slack', url: 'https://x.test/b' });
    expect(res.status).toBe(409);
  });

  it('only admins write; viewers and operators read', async () => {
    const operator = await app.as('operator');
    expect(
      (await app.api('POST', CHANNELS, { name: 'op', type: 'slack', url: 'https://x.test/a' }, operator)).status,
    ).toBe(403);
    expect((await app.api('GET', CHANNELS, undefined, operator)).status).toBe(200);
    expect((await app.api('GET', CHANNELS, undefined, {})).status).toBe(401);
  });

  it('POST :id/test sends a test message; a receiver error is reported, not thrown', async () => {
    let answer = 200;
    target.on('/test-hook', (_req, res) => {
      res.writeHead(answer);
      res.end(answer === 200 ? 'ok' : 'boom');
    });
    const ch = await app.api('POST', CHANNELS, { name: 'tester', type: 'discord', url: `${target.url}/test-hook` });
    const ok = await app.api('POST', `${CHANNELS}/${ch.body.id}/test`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ ok: true, status: 200, error: null });
    const sent = JSON.parse(target.hits('/test-hook')[0]!.body);
    expect(sent.content).toMatch(/Test message for channel tester/);
    answer = 500;
    const bad = await app.api('POST', `${CHANNELS}/${ch.body.id}/test`);
    expect(bad.body).toEqual({ ok: false, status: 500, error: 'HTTP 500: boom' });
    expect((await app.api('POST', `${CHANNELS}/${ch.body.id}/test`, undefined, await app.as('viewer'))).status).toBe(
      403,
    );
  });

  it('changing the type drops what the old type used', async () => {
    const ch = await app.api('POST', CHANNELS, {
      name: 'morph',
      type: 'webhook',
      url: 'https://x.test/hook',
      secret: WHSEC,
    });
    const slack = await app.api('PATCH', `${CHANNELS}/${ch.body.id}`, { type: 'slack' });
    expect(slack.status).toBe(200);
    expect(slack.body).toMatchObject({ type: 'slack', hasSecret: false, hasUrl: true });
    const noRecipients = await app.api('PATCH', `${CHANNELS}/${ch.body.id}`, { type: 'email' });
    expect(noRecipients.status).toBe(400);
    expect(noRecipients.body.message).toEqual(
      expect.arrayContaining(['recipients must list at least one email address for an email channel']),
    );
    const unchanged = await app.api('GET', CHANNELS);
    expect(unchanged.body.items.find((c: { name: string }) => c.name === 'morph')).toMatchObject({
      type: 'slack',
      hasUrl: true,
    });
  });

  it('DELETE removes a channel', async () => {
    const ch = await app.api('POST', CHANNELS, { name: 'gone', type: 'slack', url: 'https://x.test/a' });
    expect((await app.api('DELETE', `${CHANNELS}/${ch.body.id}`)).status).toBe(204);
    expect((await app.api('DELETE', `${CHANNELS}/${ch.body.id}`)).status).toBe(404);
  });
});

describe('job notifications: DTO, validation, jobs.yaml', () => {
  it('a job keeps its notifications; bad ones are a 400 with the messages', async () => {
    const job = {
      name: 'notified',
      executor: { kind: 'http', url: `${target.url}/ok` },
      notifications: [{ channel: 'ops-slack', on: ['failure', 'recovery'] }],
    };
    const res = await app.api('POST', '/api/v1/jobs', job);
    expect(res.status).toBe(201);
    expect(res.body.notifications).toEqual([{ channel: 'ops-slack', on: ['failure', 'recovery'] }]);
    const bad = await app.api('POST', '/api/v1/jobs', {
      ...job,
      name: 'notified-bad',
      notifications: [
        { channel: 'ops-slack', on: ['sometimes'] },
        { channel: 'Bad Name', on: [] },
      ],
    });
    expect(bad.status).toBe(400);
    const msg = JSON.stringify(bad.body.message);
    expect(msg).toMatch(/on must be failure, recovery or success/);
    expect(msg).toMatch(/channel must be the name \(slug\) of a notification channel/);
    expect(msg).toMatch(/on must contain at least 1 elements/);
    const dup = await app.api('POST', '/api/v1/jobs', {
      ...job,
      name: 'notified-dup',
      notifications: [
        { channel: 'ops-slack', on: ['failure'] },
        { channel: 'ops-slack', on: ['success'] },
      ],
    });
    expect(dup.status).toBe(400);
    expect(JSON.stringify(dup.body.message)).toMatch(/notifications.1.channel ops-slack is listed twice/);
    const patched = await app.api('PATCH', '/api/v1/jobs/notified', { notifications: [] });
    expect(patched.body.notifications).toEqual([]);
    await app.api('PATCH', '/api/v1/jobs/notified', { notifications: job.notifications });
  });

  it('jobs.yaml exports and applies notifications', async () => {
    const res = await fetch(`${app.baseUrl}/api/v1/config/export`, { headers: app.authHeaders });
    const doc = parse(await res.text()) as { jobs: { name: string; notifications?: unknown }[] };
    expect(doc.jobs.find((j) => j.name === 'notified')!.notifications).toEqual([
      { channel: 'ops-slack', on: ['failure', 'recovery'] },
    ]);
    const yaml = [
      'jobs:',
      '  - name: from-yaml',
      '    executor:',
      '      kind: http',
      `      url: ${target.url}/ok`,
      '    notifications:',
      '      - channel: ci-hook',
      '        on: [failure, success]',
    ].join('\n');
    const applied = await fetch(`${app.baseUrl}/api/v1/config/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...app.authHeaders },
      body: yaml,
    });
    expect(`${applied.status} ${await applied.clone().text()}`).toMatch(/^200 /);
    const job = await app.api('GET', '/api/v1/jobs/from-yaml');
    expect(job.body.notifications).toEqual([{ channel: 'ci-hook', on: ['failure', 'success'] }]);
    const bad = await fetch(`${app.baseUrl}/api/v1/config/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml', ...app.authHeaders },
      body: yaml.replace('[failure, success]', '[never]'),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(
      /jobs\[0\]\.notifications\[0\]\.on must be failure, recovery or success/,
    );
  });
});
