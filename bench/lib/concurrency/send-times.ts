/**
 * Records, inside the realtime node's own process, when each agent media frame is handed to its
 * WebSocket: the node's own pacing, free of the load generator's event-loop lag (which shows up
 * in frame arrival times at the simulated caller).
 */
import { WebSocket } from 'ws';

const MEDIA_PREFIX = '{"event":"media","streamSid":"';

/** streamSid -> performance.now() of each agent media frame sent. */
const sends = new Map<string, number[]>();
let installed = false;

export function recordMediaFrameSends(): void {
  if (installed) return;
  installed = true;
  const proto = WebSocket.prototype as unknown as {
    send(this: WebSocket, data: unknown, ...rest: unknown[]): void;
  };
  const original = proto.send;
  proto.send = function (data: unknown, ...rest: unknown[]) {
    if (typeof data === 'string' && data.startsWith(MEDIA_PREFIX)) {
      const at = performance.now();
      const streamSid = data.slice(MEDIA_PREFIX.length, data.indexOf('"', MEDIA_PREFIX.length));
      let list = sends.get(streamSid);
      if (!list) {
        list = [];
        sends.set(streamSid, list);
      }
      list.push(at);
    }
    original.call(this, data, ...rest);
  };
}

/** Hands over everything recorded so far and starts afresh. */
export function takeMediaFrameSends(): [string, number[]][] {
  const out = [...sends.entries()];
  sends.clear();
  return out;
}
