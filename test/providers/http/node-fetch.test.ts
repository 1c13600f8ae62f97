import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeFetch } from '../../../src/providers/http/node-fetch.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  remotePort: number;
}

/** A loopback HTTP server; `handle` answers each request after its body has been read. */
async function serve(handle: (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void) {
  const seen: Seen[] = [];
  const closedSockets: number[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const entry = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        remotePort: req.socket.remotePort ?? 0,
      };
      seen.push(entry);
      handle(req, res, entry);
    });
  });
  server.on('connection', (socket) => {
    const port = socket.remotePort ?? 0;
    socket.on('close', () => closedSockets.push(port));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, closedSockets };
}

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('node:http fetch for the vendor SDKs', () => {
  it('sends method, headers and body, and returns status, headers and url as fetch does', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, 'Made', { 'content-type': 'application/json', 'x-request-id': 'req_1' });
      res.end('{"ok":true}');
    });
    const fetch = createNodeFetch();
    const response = await fetch(`${url}/v1/things?x=1`, {
      method: 'post',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'wörld' }),
    });
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${url}/v1/things?x=1`);
    expect(response.headers.get('x-request-id')).toBe('req_1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/things?x=1', body: '{"hello":"wörld"}' });
    expect(seen[0]?.headers).toMatchObject({
      authorization: 'Bearer k',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength('{"hello":"wörld"}')),
    });
  });

  it('types a plain string body as text, like fetch', async () => {
    const { url, seen } = await serve((_req, res) => res.end());
    await (await createNodeFetch()(url, { method: 'POST', body: 'hi' })).text();
    expect(seen[0]?.headers['content-type']).toBe('text/plain;charset=UTF-8');
  });

  it('hands over the first chunk of a streamed body before the server has finished it', async () => {
    let finish: (() => void) | undefined;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      finish = () => res.end('data: two\n\n');
    });
    const response = await createNodeFetch()(url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(first.value).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe('data: one\n\n');
    finish?.();
    const rest: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest.push(Buffer.from(value).toString());
    }
    expect(rest.join('')).toBe('data: two\n\n');
  });

  it('decodes a gzip-compressed body', async () => {
    const { url, seen } = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('squeezed'));
    });
    const response = await createNodeFetch()(url);
    expect(await response.text()).toBe('squeezed');
    expect(seen[0]?.headers['accept-encoding']).toContain('gzip');
  });

  it('gives a 204 and a HEAD answer no body', async () => {
    const { url } = await serve((req, res) => {
      res.writeHead(req.method === 'HEAD' ? 200 : 204, {
        'content-length': req.method === 'HEAD' ? '5' : '0',
      });
      res.end();
    });
    const fetch = createNodeFetch();
    expect((await fetch(url, { method: 'DELETE' })).body).toBeNull();
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBeNull();
  });

  it('reuses one kept-alive connection for requests in sequence', async () => {
    const { url, seen } = await serve((_req, res) => res.end('ok'));
    const fetch = createNodeFetch();
    for (let i = 0; i < 3; i++) {
      expect(await (await fetch(url)).text()).toBe('ok');
      await tick(10);
    }
    expect(new Set(seen.map((s) => s.remotePort)).size).toBe(1);
  });

  it('rejects with an AbortError, and closes the connection, when aborted before the answer', async () => {
    const { url, seen, closedSockets } = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const pending = createNodeFetch()(url, { signal: controller.signal });
    await expect.poll(() => seen.length).toBe(1);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closedSockets).toContain(seen[0]?.remotePort);
  });

  it('rejects at once for a signal that is already aborted, sending nothing', async () => {
    const { url, seen } = await serve((_req, res) => res.end());
    await expect(createNodeFetch()(url, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      name: 'AbortError',
    });
    await tick(20);
    expect(seen).toHaveLength(0);
  });

  it('fails the body with the AbortError when aborted mid-body, and closes the connection', async () => {
    const { url, seen, closedSockets } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('first');
    });
    const controller = new AbortController();
    const response = await createNodeFetch()(url, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    expect((await reader.read()).done).toBe(false);
    controller.abort();
    await expect(reader.read()).rejects.toMatchObject({ name: 'AbortError' });
    await expect.poll(() => closedSockets).toContain(seen[0]?.remotePort);
  });

  it('closes the connection when the body is cancelled (barge-in stops a TTS stream)', async () => {
    const { url, seen, closedSockets } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('audio');
    });
    const response = await createNodeFetch()(url);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel();
    await expect.poll(() => closedSockets).toContain(seen[0]?.remotePort);
  });

  it('fails the body when the server drops the connection mid-body', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial', () => res.socket?.destroy());
    });
    const response = await createNodeFetch()(url);
    await expect(response.text()).rejects.toThrow();
  });

  it('reports a refused connection as fetch does: TypeError "fetch failed" with the cause', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const failure = await createNodeFetch()(`http://127.0.0.1:${port}/`).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TypeError);
    expect(failure).toMatchObject({ message: 'fetch failed', cause: { code: 'ECONNREFUSED' } });
  });

  it('sends a request again, once, on a fresh connection when the kept-alive one was closed by the server', async () => {
    // A server that answers the first request of each connection, then closes that connection
    // as the next request arrives: the race a kept-alive client meets with a server's idle timeout.
    const connections: net.Socket[] = [];
    const server = net.createServer((socket) => {
      connections.push(socket);
      let answered = false;
      socket.on('data', () => {
        if (answered) return socket.destroy();
        answered = true;
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
      });
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => {
      for (const socket of connections) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const fetch = createNodeFetch();
    expect(await (await fetch(url, { method: 'POST', body: 'one' })).text()).toBe('ok');
    await tick(10);
    expect(await (await fetch(url, { method: 'POST', body: 'two' })).text()).toBe('ok');
    expect(connections).toHaveLength(2);
  });

  it('leaves bodies node:http cannot send as they are to the built-in fetch', async () => {
    const { url, seen } = await serve((_req, res) => res.end('got it'));
    const form = new FormData();
    form.set('field', 'value');
    const response = await createNodeFetch()(url, { method: 'POST', body: form });
    expect(await response.text()).toBe('got it');
    expect(seen[0]?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(seen[0]?.body).toContain('value');
  });
});
