import type { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** The channel the call-event triggers NOTIFY on (migration api_idempotency_and_live_turns). */
export const CALL_EVENTS_CHANNEL = 'switchboard_call_events';

/** In-process LISTEN: a callback per channel, fed by NOTIFYs committed in the embedded database. */
export interface NotificationSource {
  listen(channel: string, listener: (payload: string) => void): () => void;
}

type OnData = (chunk: Uint8Array) => void;
interface QueryQueue {
  enqueue(handlerId: number, message: Uint8Array, onData: OnData): Promise<number>;
}

/**
 * Why this exists: PGlite is one Postgres backend shared by every socket connection, and
 * pglite-socket (0.2.17) writes each query's output, including any NotificationResponse, only to
 * the connection that ran it. So a client that LISTENs on its own connection never hears a NOTIFY
 * sent by another (checked: the notifying connection receives it instead). With the embedded
 * database every role runs in the launcher's process (the data-directory lock forbids a second
 * one), so we read NotificationResponse messages ('A') from the protocol bytes PGlite hands to
 * the socket server and dispatch them in process. The bytes still go to the socket unchanged.
 *
 * Postgres only emits notifications for channels its backend LISTENs on, so the channels are
 * LISTENed here, before the server accepts connections: PGlite has one backend, and a LISTEN sent
 * later could land inside another connection's open transaction.
 *
 * It wraps the server's query queue, which the package does not expose in its types (hence the
 * cast); a pglite-socket upgrade must re-check this (test/api/live-embedded.test.ts covers it).
 */
export async function tapNotifications(
  server: PGLiteSocketServer,
  channels: readonly string[],
): Promise<NotificationSource> {
  for (const channel of channels) await server.db.exec(`LISTEN "${channel.replace(/"/g, '""')}"`);
  const listeners = new Map<string, Set<(payload: string) => void>>();
  const queue = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  if (!queue || typeof queue.enqueue !== 'function') {
    throw new Error('pglite-socket internals changed: cannot observe notifications');
  }
  const original = queue.enqueue.bind(queue);
  queue.enqueue = (handlerId, message, onData) => {
    const parser = new MessageScanner((channel, payload) => {
      for (const listener of listeners.get(channel) ?? []) listener(payload);
    });
    return original(handlerId, message, (chunk) => {
      onData(chunk);
      if (listeners.size > 0) parser.push(chunk);
    });
  };
  return {
    listen(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(channel);
      };
    },
  };
}

/** Splits a backend message stream (type byte + int32 length) and reports NotificationResponses. */
class MessageScanner {
  private buffer = Buffer.alloc(0);

  constructor(private readonly onNotification: (channel: string, payload: string) => void) {}

  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    while (this.buffer.length - offset >= 5) {
      const length = this.buffer.readInt32BE(offset + 1);
      if (this.buffer.length - offset < 1 + length) break;
      if (this.buffer[offset] === 0x41)
        this.notification(this.buffer.subarray(offset + 5, offset + 1 + length));
      offset += 1 + length;
    }
    this.buffer = this.buffer.subarray(offset);
  }

  /** NotificationResponse body: int32 pid, channel\0, payload\0. */
  private notification(body: Buffer): void {
    const channelEnd = body.indexOf(0, 4);
    const payloadEnd = body.indexOf(0, channelEnd + 1);
    if (channelEnd < 0 || payloadEnd < 0) return;
    this.onNotification(
      body.toString('utf8', 4, channelEnd),
      body.toString('utf8', channelEnd + 1, payloadEnd),
    );
  }
}
