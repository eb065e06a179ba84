import type { NormalizedPush, ProviderName } from '../push-event.js';

export type Headers = Record<string, string | string[] | undefined>;

export function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * One source of push webhooks. The factory picks the provider from the headers; everything
 * provider-specific (event names, delivery ids, how the secret is presented, payload shape)
 * stays behind this interface.
 */
export interface WebhookProvider {
  readonly name: ProviderName;
  /** The header naming the event (dry runs build it from `event`). */
  readonly eventHeader: string;
  /** Header names whose values are credentials (masked in the deliveries log). */
  readonly credentialHeaders: string[];
  /** True when the request carries this provider's event header. */
  detects(headers: Headers): boolean;
  /** The event, normalized: 'push', 'ping', or the provider's own name for anything else. */
  event(headers: Headers): string;
  /** The provider's delivery id (stable across redeliveries), if it sends one. */
  deliveryKey(headers: Headers): string | null;
  /** True when the request presents a signature or token at all. */
  isSigned(headers: Headers): boolean;
  /** Check the raw body against one candidate secret (constant time). */
  verify(raw: Buffer, headers: Headers, secret: string): boolean;
  /** Build the neutral push from a parsed payload (throws PayloadError when unusable). */
  parsePush(payload: unknown, event: string): NormalizedPush;
}
