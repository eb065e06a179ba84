import { Injectable } from '@nestjs/common';
import type { NotificationChannelType, NotificationTestResult } from '@api-manager/contracts';
import nodemailer, { type Transporter } from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { AppConfig } from '../config/app-config.js';
import { discordPayload, emailContent, slackPayload, webhookPayload, type NotificationMessage } from './message.js';

/** A channel with its URL / secret decrypted: in memory only, never logged or returned. */
export interface ChannelTarget {
  id: string;
  name: string;
  type: NotificationChannelType;
  url: string | null;
  secret: string | null;
  recipients: string[];
}

export const SEND_TIMEOUT_MS = 10_000;

/** Sends one message through one channel. Errors never contain the URL (it holds the token). */
@Injectable()
export class ChannelSender {
  private transport?: Transporter;

  constructor(private readonly config: AppConfig) {}

  /** `messageId` is the Standard Webhooks `webhook-id` (stable across retries, so receivers can dedupe). */
  async send(ch: ChannelTarget, m: NotificationMessage, messageId: string): Promise<NotificationTestResult> {
    try {
      if (ch.type === 'email') return await this.email(ch, m);
      const payload =
        ch.type === 'slack' ? slackPayload(m) : ch.type === 'discord' ? discordPayload(m) : webhookPayload(m);
      const body = JSON.stringify(payload);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'api-manager' };
      if (ch.type === 'webhook') {
        if (!ch.secret) return { ok: false, status: null, error: 'The channel has no signing secret' };
        const at = new Date();
        headers['webhook-id'] = messageId;
        headers['webhook-timestamp'] = String(Math.floor(at.getTime() / 1000));
        headers['webhook-signature'] = new Webhook(ch.secret).sign(messageId, at, body);
      }
      if (!ch.url) return { ok: false, status: null, error: 'The channel has no URL' };
      const res = await fetch(ch.url, {
        method: 'POST',
        headers,
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      });
      const text = (await res.text().catch(() => '')).slice(0, 200);
      if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
      return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text}` : ''}` };
    } catch (err) {
      return { ok: false, status: null, error: describe(err) };
    }
  }

  private async email(ch: ChannelTarget, m: NotificationMessage): Promise<NotificationTestResult> {
    if (!this.config.SMTP_HOST || !this.config.SMTP_FROM) {
      return { ok: false, status: null, error: 'SMTP is not configured (SMTP_HOST, SMTP_FROM)' };
    }
    this.transport ??= nodemailer.createTransport({
      host: this.config.SMTP_HOST,
      port: this.config.SMTP_PORT,
      secure: this.config.SMTP_SECURE,
      auth: this.config.SMTP_USER ? { user: this.config.SMTP_USER, pass: this.config.SMTP_PASSWORD ?? '' } : undefined,
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
    });
    const { subject, text } = emailContent(m);
    await this.transport.sendMail({ from: this.config.SMTP_FROM, to: ch.recipients, subject, text });
    return { ok: true, status: null, error: null };
  }
}

/** A network error without the URL: `TimeoutError`, `ECONNREFUSED`, ... */
function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string }; code?: string };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `Timed out after ${SEND_TIMEOUT_MS} ms`;
  if (e.cause?.code) return `Network error: ${e.cause.code}`;
  if (e.code) return `Error: ${e.code}${e.message ? ` (${e.message.slice(0, 200)})` : ''}`;
  return `Error: ${(e.message ?? String(err)).slice(0, 200)}`;
}
