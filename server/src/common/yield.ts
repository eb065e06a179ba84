import { setImmediate } from 'node:timers/promises';

/**
 * Lets pending I/O (health probes, other requests) run before going on: resolves in the check phase,
 * after the poll phase has handled whatever arrived. For loops over many items that would otherwise
 * hold the event loop for one long turn (guarantee 7).
 */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}
