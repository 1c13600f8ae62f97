import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgCallEventFeed } from '../../src/api/live/call-events.ts';
import { createTurnWriter } from '../../src/db/turns.ts';
import { createLogger } from '../../src/logger.ts';
import { openEventStream } from './sse-client.ts';
import { type ApiHarness, seedLiveCall, startApi } from './support.ts';

describe('admin API: live transcript over Postgres LISTEN/NOTIFY', () => {
  let api: ApiHarness;
  let base: string;

  beforeAll(async () => {
    api = await startApi({ callEvents: (url) => createPgCallEventFeed(url, createLogger('silent')) });
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}`;
  });
  afterAll(() => api?.close());

  it('streams stored and newly stored turns in order, then ends when the call ends', async () => {
    const { prisma } = api;
    const call = await seedLiveCall(prisma, 'CAlive0001');
    const writer = createTurnWriter(prisma, call.id, createLogger('silent'));
    writer.record({
      sequence: 0,
      role: 'assistant',
      generatedText: 'Hello!',
      heardText: 'Hello!',
      interrupted: false,
    });
    await writer.flush();

    const stream = openEventStream(`${base}/api/v1/calls/${call.id}/live`, {
      authorization: `Bearer ${api.keys.viewer.key}`,
    });
    await stream.ready;
    expect(stream.status).toBe(200);
    await stream.until(() => stream.events.length >= 1);
    expect(stream.events[0]).toMatchObject({ id: '0', event: 'turn' });

    // Stored after subscribing, through the same writer the call session uses.
    writer.record({ sequence: 1, role: 'user', heardText: 'I need an appointment', interrupted: false });
    writer.record({
      sequence: 2,
      role: 'assistant',
      generatedText: 'Sure, which day works? Mornings are free.',
      heardText: 'Sure, which day works?',
      interrupted: true,
    });
    await writer.flush();
    await stream.until(() => stream.events.length >= 3);
    expect(stream.events.map((e) => e.id)).toEqual(['0', '1', '2']);
    expect(JSON.parse(stream.events[2]?.data ?? '{}')).toMatchObject({
      heardText: 'Sure, which day works?',
      generatedText: 'Sure, which day works? Mornings are free.',
      interrupted: true,
    });
    expect(stream.closed).toBe(false);

    await prisma.call.update({ where: { id: call.id }, data: { endedAt: new Date(), status: 'completed' } });
    await stream.until(() => stream.closed);
    expect(stream.events.at(-1)?.event).toBe('end');
  });

  it('resumes after Last-Event-ID and closes at once for a call that already ended', async () => {
    const call = await api.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAlive0001' } });
    const stream = openEventStream(`${base}/api/v1/calls/${call.id}/live`, {
      authorization: `Bearer ${api.keys.viewer.key}`,
      'last-event-id': '0',
    });
    await stream.ready;
    await stream.until(() => stream.closed);
    expect(stream.events.map((e) => `${e.event}:${e.id ?? ''}`)).toEqual(['turn:1', 'turn:2', 'end:']);
  });

  it('answers 404 for an unknown call and 401 without a key, as JSON', async () => {
    const res = await api.as('viewer', {
      method: 'GET',
      url: '/api/v1/calls/0190f5a4-0000-7000-8000-000000000000/live',
    });
    expect(res.statusCode).toBe(404);
    const anonymous = await api.app.inject({
      method: 'GET',
      url: '/api/v1/calls/0190f5a4-0000-7000-8000-000000000000/live',
    });
    expect(anonymous.statusCode).toBe(401);
  });
});
