import http from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** A minimal EventSource for tests: collects events and tells when the server closed the stream. */
export function openEventStream(url: string, headers: Record<string, string>) {
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let status = 0;
  let closed = false;
  let buffer = '';
  const notify = () => {
    for (const w of waiters.splice(0)) w();
  };
  const ready = new Promise<void>((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          let isComment = true;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            isComment = false;
            const [field, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') event.data = value;
          }
          if (!isComment) events.push(event);
          end = buffer.indexOf('\n\n');
        }
        notify();
      });
      res.on('end', () => {
        closed = true;
        notify();
      });
      resolve();
    });
    req.on('error', reject);
  });
  return {
    ready,
    events,
    get status() {
      return status;
    },
    get closed() {
      return closed;
    },
    /** Resolves when `predicate` holds, rejecting after `timeoutMs`. */
    async until(predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out; events so far: ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 250);
        });
      }
    },
  };
}
