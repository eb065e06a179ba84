import { Injectable, type OnDestroy, signal } from '@angular/core';
import type { ExecutionEvent } from '@api-manager/contracts';
import { Observable, filter, share, timer } from 'rxjs';

export const EVENTS_URL = '/api/v1/events';

/** `execution`: a status change; fan-out parents also carry their progress. */
export interface ExecutionLiveEvent extends ExecutionEvent {
  progress?: { total: number; done: number; failed: number; cancelled: number };
}

/** `schedule`: a schedule was created, changed, paused/resumed, deleted or fired. */
export interface ScheduleLiveEvent {
  id: string;
  jobId: string;
  op: string;
  enabled: boolean;
  nextRunAt: string | null;
}

/** `delivery`: a webhook delivery was recorded. */
export interface DeliveryLiveEvent {
  id: string;
  provider: string;
  event: string;
  outcome: string;
  repository: string;
  triggeredJobs: unknown[];
}

/** `log`: an execution wrote `lines` more log lines; `logs` are the lines themselves (masked). */
export interface LogLiveEvent {
  id: string;
  jobName: string;
  lines: number;
  logs?: { id: string; at: string; level: string; message: string }[];
}

/**
 * Every event of GET /api/v1/events. `open` is emitted by the client on each (re)connection:
 * events may have been missed while disconnected, so listeners should reload what they show.
 */
export type LiveEvent =
  | { type: 'execution'; data: ExecutionLiveEvent }
  | { type: 'schedule'; data: ScheduleLiveEvent }
  | { type: 'delivery'; data: DeliveryLiveEvent }
  | { type: 'log'; data: LogLiveEvent }
  | { type: 'open'; data: null };

export type LiveEventType = LiveEvent['type'];
type DataOf<T extends LiveEventType> = Extract<LiveEvent, { type: T }>['data'];

const SERVER_TYPES = ['execution', 'schedule', 'delivery', 'log'] as const;
const MAX_BACKOFF_MS = 30_000;

/**
 * One shared EventSource for the whole app: opened by the first subscriber, closed after the last
 * one leaves. The browser retries dropped connections itself; when it gives up (e.g. the server
 * answered an error), this reconnects with a growing delay.
 */
@Injectable({ providedIn: 'root' })
export class LiveEvents implements OnDestroy {
  private readonly state = signal<'closed' | 'connecting' | 'open'>('closed');
  private source: EventSource | null = null;

  /** Connection state, e.g. for a "live" indicator. */
  readonly connection = this.state.asReadonly();

  /** All events, shared by every subscriber. */
  readonly events$: Observable<LiveEvent> = new Observable<LiveEvent>((subscriber) => {
    let failures = 0;
    let retry: ReturnType<typeof setTimeout> | null = null;
    let closed = false;

    const connect = (): void => {
      this.state.set('connecting');
      const source = new EventSource(EVENTS_URL, { withCredentials: true });
      this.source = source;
      source.onopen = () => {
        failures = 0;
        this.state.set('open');
        subscriber.next({ type: 'open', data: null });
      };
      for (const type of SERVER_TYPES) {
        source.addEventListener(type, (message: MessageEvent<string>) => {
          try {
            subscriber.next({ type, data: JSON.parse(message.data) } as LiveEvent);
          } catch {
            // A malformed event is dropped; the next one will carry the current state.
          }
        });
      }
      source.onerror = () => {
        if (source.readyState === EventSource.CLOSED && !closed) {
          source.close();
          this.state.set('closed');
          const delay = Math.min(MAX_BACKOFF_MS, 1000 * 2 ** failures++);
          retry = setTimeout(connect, delay);
        } else if (!closed) {
          this.state.set('connecting');
        }
      };
    };

    connect();
    return () => {
      closed = true;
      if (retry) {
        clearTimeout(retry);
      }
      this.source?.close();
      this.source = null;
      this.state.set('closed');
    };
  }).pipe(share({ resetOnRefCountZero: () => timer(1000) }));

  /** Events of one type (plus nothing else). */
  on<T extends LiveEventType>(type: T): Observable<DataOf<T>> {
    return new Observable<DataOf<T>>((subscriber) =>
      this.events$.pipe(filter((event) => event.type === type)).subscribe({
        next: (event) => subscriber.next(event.data as DataOf<T>),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
  }

  ngOnDestroy(): void {
    this.source?.close();
  }
}
