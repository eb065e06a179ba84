import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { Webhook } from 'standardwebhooks';
import {
  discordPayload,
  duration,
  executionLink,
  headline,
  slackPayload,
  type NotificationMessage,
} from './message.js';

const base: NotificationMessage = {
  event: 'failure',
  executionId: 'e1',
  jobName: 'nightly',
  jobTitle: 'Nightly build',
  status: 'timed_out',
  trigger: 'schedule',
  attempt: 2,
  durationMs: 61_500,
  error: 'x'.repeat(600),
  finishedAt: '2026-12-01T00:00:00.000Z',
  link: 'https://ops.example.com/executions/e1',
};

describe('notification messages', () => {
  it('says what happened in one line', () => {
    expect(headline(base)).toBe('❌ Nightly build (nightly): timed_out');
    expect(headline({ ...base, event: 'recovery', status: 'succeeded' })).toBe('✅ Nightly build (nightly): recovered');
    expect(headline({ ...base, jobTitle: 'nightly' })).toBe('❌ nightly: timed_out');
  });

  it('clips long errors and formats durations', () => {
    expect(slackPayload(base).text).toContain(`*Error:* ${'x'.repeat(500)}…`);
    expect(duration(61_500)).toBe('1 min 2 s');
    expect(duration(1500)).toBe('1.5 s');
    expect(duration(null)).toBe('-');
  });

  it('links absolutely with PUBLIC_URL, relatively without', () => {
    expect(executionLink('https://ops.example.com/manager/', 'e1')).toBe(
      'https://ops.example.com/manager/executions/e1',
    );
    expect(executionLink(undefined, 'e1')).toBe('/executions/e1');
    expect(discordPayload({ ...base, link: '/executions/e1' })).not.toHaveProperty('embeds.0.url');
  });

  it('signs as the Standard Webhooks published test vector', () => {
    // https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    const expected = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
    expect(new Webhook(secret).sign(id, new Date(1614265330 * 1000), body)).toBe(expected);
    const mac = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.1614265330.${body}`);
    expect(`v1,${mac.digest('base64')}`).toBe(expected);
  });
});
