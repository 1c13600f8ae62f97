import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Call } from '../../src/db/client.ts';
import { type ApiHarness, startApi } from './support.ts';
import { uuidv7 } from './uuid.ts';

const TOTAL = 3000;
const STATUSES = ['completed', 'busy', 'no_answer', 'failed'] as const;
const OUTCOMES = ['appointment_booked', 'transferred', 'completed', null] as const;

interface Page {
  items: Call[];
  nextCursor: string | null;
}

describe('admin API: calls', () => {
  let api: ApiHarness;
  let seeded: Call[];
  let campaignId: string;
  let customer: { id: string; phone: string };

  beforeAll(async () => {
    api = await startApi();
    const { prisma } = api;
    const agent = await prisma.agent.create({
      data: { name: 'a', systemPrompt: 'p', greeting: 'g', voice: 'v', ttsModel: 't', sttModel: 's' },
    });
    const customers = await Promise.all(
      [0, 1, 2].map((i) => prisma.customer.create({ data: { phone: `+1415555020${i}` } })),
    );
    customer = customers[1] as { id: string; phone: string };
    campaignId = (
      await prisma.campaign.create({ data: { name: 'c', agentId: agent.id, callerId: '+14155550100' } })
    ).id;
    const base = Date.parse('2026-01-01T00:00:00Z');
    const data = Array.from({ length: TOTAL }, (_, i) => ({
      id: uuidv7(),
      callSid: `CA${i.toString().padStart(32, '0')}`,
      direction: i % 3 === 0 ? ('outbound' as const) : ('inbound' as const),
      from: '+14155550111',
      to: '+14155550100',
      status: STATUSES[i % STATUSES.length] as (typeof STATUSES)[number],
      outcome: OUTCOMES[i % OUTCOMES.length] ?? null,
      agentId: agent.id,
      customerId: customers[i % 3]?.id ?? null,
      campaignId: i % 5 === 0 ? campaignId : null,
      // Every 10 calls share a start time, so the id tie-breaker matters.
      startedAt: new Date(base + Math.floor(i / 10) * 60_000),
    }));
    await prisma.call.createMany({ data });
    seeded = await prisma.call.findMany();
    const summarised = data.filter((_, i) => i % 100 === 7);
    await prisma.callSummary.createMany({
      data: summarised.map((c) => ({
        callId: c.id,
        version: 1,
        status: 'ok' as const,
        summary: 'Caller asked about a REFUND for order',
      })),
    });
  });
  afterAll(() => api?.close());

  const byNewest = (a: Call, b: Call) =>
    b.startedAt.getTime() - a.startedAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

  async function walk(query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/calls?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await api.as('viewer', { method: 'GET', url });
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as Page;
      expect(page.items.length).toBeLessThanOrEqual(limit);
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    return { ids, pages };
  }

  it('filters in SQL: every filter combination returns exactly the matching calls, newest first', async () => {
    const cases: [string, (c: Call) => boolean][] = [
      ['&direction=outbound&status=busy', (c) => c.direction === 'outbound' && c.status === 'busy'],
      [`&campaignId=${campaignId}`, (c) => c.campaignId === campaignId],
      ['&outcome=transferred', (c) => c.outcome === 'transferred'],
      [
        '&from=2026-01-01T02:00:00Z&to=2026-01-01T03:00:00Z',
        (c) =>
          c.startedAt >= new Date('2026-01-01T02:00:00Z') && c.startedAt < new Date('2026-01-01T03:00:00Z'),
      ],
      [
        `&customerPhone=${encodeURIComponent(customer.phone)}&status=completed`,
        (c) => c.customerId === customer.id && c.status === 'completed',
      ],
    ];
    for (const [query, match] of cases) {
      const expected = seeded
        .filter(match)
        .sort(byNewest)
        .map((c) => c.id);
      expect(expected.length).toBeGreaterThan(0);
      const { ids } = await walk(query, 37);
      expect(ids, query).toEqual(expected);
    }
  });

  it('searches summaries case-insensitively', async () => {
    const { ids } = await walk('&q=refund', 200);
    expect(ids).toHaveLength(Math.ceil(TOTAL / 100));
  });

  it('caps page size at 200 and defaults to 50; over the cap is a 400 naming the field', async () => {
    const first = await api.as('viewer', { method: 'GET', url: '/api/v1/calls' });
    expect((first.json() as Page).items).toHaveLength(50);
    const max = await api.as('viewer', { method: 'GET', url: '/api/v1/calls?limit=200' });
    expect((max.json() as Page).items).toHaveLength(200);
    for (const [query, field] of [
      ['limit=201', 'query.limit'],
      ['limit=0', 'query.limit'],
      ['limit=-5', 'query.limit'],
      ['cursor=garbage', 'query.cursor'],
      ['direction=sideways', 'query.direction'],
      ['from=yesterday', 'query.from'],
      ['customerPhone=12345', 'query.customerPhone'],
      ['sort=id;DROP TABLE calls', 'query'],
    ]) {
      const res = await api.as('viewer', { method: 'GET', url: `/api/v1/calls?${query}` });
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error).toMatchObject({ status: 400, code: 'invalid_request', field });
    }
    expect(await api.prisma.call.count()).toBe(TOTAL);
  });

  it('pages without duplicates or gaps while newer calls are inserted between pages', async () => {
    const expected = [...seeded].sort(byNewest).map((c) => c.id);
    const ids: string[] = [];
    let cursor: string | null = null;
    const agentId = seeded[0]?.agentId as string;
    let inserted = 0;
    do {
      const url: string = `/api/v1/calls?limit=200${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api.as('viewer', { method: 'GET', url })).json() as Page;
      ids.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
      await api.prisma.call.create({
        data: {
          callSid: `CAnew${inserted++}`,
          direction: 'inbound',
          from: '+1',
          to: '+2',
          status: 'ringing',
          agentId,
          startedAt: new Date(),
        },
      });
    } while (cursor);
    // The first page was read before any insert; later pages must not shift.
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expected);
  });

  it('shows a call with its turns, latencies, tool calls, latest summary and workflow id', async () => {
    const call = seeded[0] as Call;
    await api.prisma.turn.createMany({
      data: [
        { callId: call.id, sequence: 0, role: 'user', heardText: 'Book me for Monday', sttFinalMs: 120 },
        {
          callId: call.id,
          sequence: 1,
          role: 'assistant',
          generatedText: 'Monday at 9 works. Shall I book it?',
          heardText: 'Monday at 9 works.',
          interrupted: true,
          llmFirstTokenMs: 300,
          ttsFirstByteMs: 150,
          firstFrameMs: 480,
          toolCalls: [{ id: 't1', name: 'findAvailableSlots', arguments: '{}', result: '{"ok":true}' }],
        },
      ],
    });
    await api.prisma.callSummary.createMany({
      data: [
        { callId: call.id, version: 1, status: 'failed', failureReason: 'llm timeout' },
        { callId: call.id, version: 2, status: 'ok', summary: 'Booked Monday', sentiment: 'positive' },
      ],
    });
    for (const ref of [call.id, call.callSid]) {
      const res = await api.as('viewer', { method: 'GET', url: `/api/v1/calls/${ref}` });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({
        id: call.id,
        workflowId: `call:${call.callSid}`,
        summary: { version: 2, summary: 'Booked Monday' },
        turns: [
          { sequence: 0, role: 'user', heardText: 'Book me for Monday', latency: { sttFinalMs: 120 } },
          {
            sequence: 1,
            heardText: 'Monday at 9 works.',
            generatedText: 'Monday at 9 works. Shall I book it?',
            interrupted: true,
            latency: { llmFirstTokenMs: 300, firstFrameMs: 480 },
            toolCalls: [{ name: 'findAvailableSlots' }],
          },
        ],
      });
    }
    const missing = await api.as('viewer', { method: 'GET', url: `/api/v1/calls/${randomUUID()}` });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('answers a database failure with a bare 500: no SQL, table names or stack in the body', async () => {
    await api.prisma.$executeRawUnsafe('ALTER TABLE calls RENAME TO calls_hidden_xyz');
    try {
      const res = await api.as('viewer', { method: 'GET', url: '/api/v1/calls' });
      expect(res.statusCode).toBe(500);
      expect(res.json()).toEqual({
        error: { status: 500, code: 'internal', message: 'internal error', requestId: expect.any(String) },
      });
      expect(res.body).not.toMatch(/calls|prisma|select|at /i);
      expect(api.logs.text()).toContain(res.json().error.requestId);
    } finally {
      await api.prisma.$executeRawUnsafe('ALTER TABLE calls_hidden_xyz RENAME TO calls');
    }
  });
});
