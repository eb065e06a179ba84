import type { NotificationEvent } from '@api-manager/contracts';

/** What a notification says (no secrets: the execution's error is stored masked already). */
export interface NotificationMessage {
  event: NotificationEvent | 'test';
  executionId: string | null;
  jobName: string;
  jobTitle: string;
  status: string;
  trigger: string | null;
  attempt: number | null;
  durationMs: number | null;
  error: string | null;
  finishedAt: string | null;
  /** Link to the execution in the admin (absolute with PUBLIC_URL, else relative). */
  link: string | null;
}

const MAX_ERROR = 500;
const EMOJI: Record<NotificationMessage['event'], string> = {
  failure: '❌',
  recovery: '✅',
  success: '✅',
  test: '🔔',
};
const COLOR: Record<NotificationMessage['event'], number> = {
  failure: 0xd93025,
  recovery: 0x1e8e3e,
  success: 0x1e8e3e,
  test: 0x1a73e8,
};

export function executionLink(publicUrl: string | undefined, executionId: string): string {
  return `${publicUrl ? publicUrl.replace(/\/+$/, '') : ''}/executions/${executionId}`;
}

export function testMessage(channel: string, publicUrl: string | undefined): NotificationMessage {
  return {
    event: 'test',
    executionId: null,
    jobName: channel,
    jobTitle: `Test message for channel ${channel}`,
    status: 'test',
    trigger: null,
    attempt: null,
    durationMs: null,
    error: null,
    finishedAt: new Date().toISOString(),
    link: publicUrl ?? null,
  };
}

export function clipError(error: string | null): string | null {
  if (!error) return null;
  return error.length > MAX_ERROR ? `${error.slice(0, MAX_ERROR)}…` : error;
}

export function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** One line: `❌ [failure] Title (name): failed`. */
export function headline(m: NotificationMessage): string {
  if (m.event === 'test') return `${EMOJI.test} ${m.jobTitle}`;
  const title = m.jobTitle && m.jobTitle !== m.jobName ? `${m.jobTitle} (${m.jobName})` : m.jobName;
  const what = m.event === 'recovery' ? 'recovered' : m.status;
  return `${EMOJI[m.event]} ${title}: ${what}`;
}

function details(m: NotificationMessage): [string, string][] {
  const rows: [string, string][] = [];
  if (m.event === 'test') return rows;
  rows.push(['Status', m.status], ['Duration', duration(m.durationMs)]);
  if (m.trigger) rows.push(['Trigger', m.trigger]);
  if (m.attempt !== null) rows.push(['Attempt', String(m.attempt)]);
  if (m.error) rows.push(['Error', clipError(m.error)!]);
  return rows;
}

export function slackPayload(m: NotificationMessage): Record<string, unknown> {
  const lines = [headline(m), ...details(m).map(([k, v]) => `*${k}:* ${v}`)];
  if (m.link) lines.push(m.link.startsWith('http') ? `<${m.link}|Open the execution>` : m.link);
  return { text: lines.join('\n') };
}

export function discordPayload(m: NotificationMessage): Record<string, unknown> {
  const embed: Record<string, unknown> = {
    title: headline(m).slice(0, 256),
    color: COLOR[m.event],
    fields: details(m).map(([name, value]) => ({ name, value: value.slice(0, 1024), inline: name !== 'Error' })),
  };
  if (m.link?.startsWith('http')) embed.url = m.link;
  if (m.finishedAt) embed.timestamp = m.finishedAt;
  // No @everyone / role pings from job titles or errors.
  return { content: headline(m).slice(0, 2000), embeds: [embed], allowed_mentions: { parse: [] } };
}

export function webhookPayload(m: NotificationMessage): Record<string, unknown> {
  return {
    type: m.event === 'test' ? 'notification.test' : `execution.${m.event}`,
    timestamp: new Date().toISOString(),
    data: {
      event: m.event,
      execution:
        m.executionId === null
          ? null
          : {
              id: m.executionId,
              status: m.status,
              trigger: m.trigger,
              attempt: m.attempt,
              durationMs: m.durationMs,
              error: clipError(m.error),
              finishedAt: m.finishedAt,
              url: m.link,
            },
      job: { name: m.jobName, title: m.jobTitle },
      summary: headline(m),
    },
  };
}

export function emailContent(m: NotificationMessage): { subject: string; text: string } {
  const lines = [headline(m), '', ...details(m).map(([k, v]) => `${k}: ${v}`)];
  if (m.link) lines.push('', m.link);
  return { subject: headline(m).slice(0, 200), text: lines.join('\n') };
}
