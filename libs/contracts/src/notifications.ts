// Notification channels (Slack, Discord, signed webhook, email) and what was sent per execution.

export type NotificationChannelType = 'slack' | 'discord' | 'webhook' | 'email';
export type NotificationEvent = 'failure' | 'recovery' | 'success';
export type NotificationStatus = 'pending' | 'sent' | 'failed' | 'rate_limited';

/** Per job: which channel hears about which outcomes. */
export interface JobNotification {
  /** Name of a notification channel. */
  channel: string;
  /** failure = failed/timed out/lost/partial; recovery = first success after failures; success = every success. */
  on: NotificationEvent[];
}

export interface CreateNotificationChannelRequest {
  /** Unique slug ^[a-z0-9][a-z0-9._-]{0,99}$, referenced by jobs' `notifications[].channel`. */
  name: string;
  type: NotificationChannelType;
  enabled?: boolean;
  description?: string;
  /** slack / discord / webhook: the URL to POST to (stored encrypted, never returned). */
  url?: string;
  /** webhook: the Standard Webhooks signing secret `whsec_<base64>` (stored encrypted, never returned). */
  secret?: string;
  /** email: the recipients. */
  recipients?: string[];
  /** At most this many notifications per minute through this channel; the rest are recorded as rate_limited. Default 20. */
  rateLimitPerMinute?: number;
}

export type UpdateNotificationChannelRequest = Partial<CreateNotificationChannelRequest>;

export interface NotificationChannelView {
  id: string;
  name: string;
  type: NotificationChannelType;
  enabled: boolean;
  description: string;
  /** Scheme and host of the URL only (e.g. `https://hooks.slack.com/…`); null when none. */
  urlHint: string | null;
  hasUrl: boolean;
  hasSecret: boolean;
  recipients: string[];
  rateLimitPerMinute: number;
  createdAt: string;
  updatedAt: string;
}

/** POST /notifications/channels/:id/test */
export interface NotificationTestResult {
  ok: boolean;
  /** HTTP status answered by the receiver (webhook channels). */
  status: number | null;
  error: string | null;
}

/** A notification recorded on an execution (GET /executions/:id). */
export interface ExecutionNotification {
  id: string;
  channel: string;
  event: NotificationEvent;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}
