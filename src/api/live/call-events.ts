import pg from 'pg';
import { CALL_EVENTS_CHANNEL, type NotificationSource } from '../../db/notification-tap.ts';
import type { Logger } from '../../logger.ts';

/** What the `switchboard_call_events` trigger (migration api_idempotency_and_live_turns) sends. */
export type CallEvent =
  | { type: 'turn'; callId: string; turnId: string; sequence: number }
  | { type: 'ended'; callId: string }
  /** The notification connection dropped: events may have been missed; subscribers must resync. */
  | { type: 'lost'; callId: string };

export interface CallEventFeed {
  /** Resolves once the LISTEN is in place, so anything committed afterwards is delivered. */
  subscribe(callId: string, listener: (event: CallEvent) => void): Promise<() => void>;
  close(): Promise<void>;
}

/** Listeners by call id: one notification channel, many watched calls. */
class Subscribers {
  private readonly byCall = new Map<string, Set<(event: CallEvent) => void>>();

  add(callId: string, listener: (event: CallEvent) => void): () => void {
    const set = this.byCall.get(callId) ?? new Set();
    set.add(listener);
    this.byCall.set(callId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.byCall.delete(callId);
    };
  }

  dispatch(event: CallEvent): void {
    for (const listener of this.byCall.get(event.callId) ?? []) listener(event);
  }

  dispatchPayload(payload: string | undefined, logger: Logger): void {
    const event = parse(payload);
    if (event) this.dispatch(event);
    else logger.warn('unreadable call event notification');
  }

  callIds(): string[] {
    return [...this.byCall.keys()];
  }

  clear(): void {
    this.byCall.clear();
  }
}

/**
 * Postgres LISTEN/NOTIFY on one dedicated connection per API process, shared by every live
 * transcript stream. Opened on first use; when the connection drops, every subscriber is told
 * (`lost`) and the next subscription reconnects.
 */
export function createPgCallEventFeed(connectionString: string, logger: Logger): CallEventFeed {
  const subscribers = new Subscribers();
  let connecting: Promise<pg.Client> | undefined;
  let closed = false;

  function dropAll() {
    connecting = undefined;
    for (const callId of subscribers.callIds()) subscribers.dispatch({ type: 'lost', callId });
  }

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString });
    client.on('notification', (msg) => subscribers.dispatchPayload(msg.payload, logger));
    client.on('error', (err) => {
      logger.warn({ err }, 'call event connection failed');
      dropAll();
      client.end().catch(() => {});
    });
    client.on('end', () => {
      if (!closed) dropAll();
    });
    await client.connect();
    await client.query(`LISTEN ${CALL_EVENTS_CHANNEL}`);
    return client;
  }

  return {
    async subscribe(callId, listener) {
      if (closed) throw new Error('call event feed is closed');
      connecting ??= connect().catch((err: unknown) => {
        connecting = undefined;
        throw err;
      });
      await connecting;
      return subscribers.add(callId, listener);
    },
    async close() {
      closed = true;
      subscribers.clear();
      const client = await connecting?.catch(() => undefined);
      connecting = undefined;
      await client?.end().catch(() => {});
    },
  };
}

/**
 * The same feed over the embedded database's in-process notifications (see
 * src/db/notification-tap.ts for why LISTEN over its socket cannot work).
 */
export function createInProcessCallEventFeed(source: NotificationSource, logger: Logger): CallEventFeed {
  const subscribers = new Subscribers();
  const stop = source.listen(CALL_EVENTS_CHANNEL, (payload) => subscribers.dispatchPayload(payload, logger));
  return {
    async subscribe(callId, listener) {
      return subscribers.add(callId, listener);
    },
    async close() {
      subscribers.clear();
      stop();
    },
  };
}

function parse(payload: string | undefined): CallEvent | undefined {
  try {
    const data = JSON.parse(payload ?? '') as Record<string, unknown>;
    if (typeof data.callId !== 'string') return undefined;
    if (data.ended === true) return { type: 'ended', callId: data.callId };
    if (typeof data.turnId === 'string' && typeof data.sequence === 'number') {
      return { type: 'turn', callId: data.callId, turnId: data.turnId, sequence: data.sequence };
    }
    return undefined;
  } catch {
    return undefined;
  }
}
