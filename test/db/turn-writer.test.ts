import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../src/db/client.ts';
import { createTurnWriter } from '../../src/db/turns.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { createMigratedDatabase, type MigratedDatabase } from '../support/database.ts';
import { captureLogger } from './helpers.ts';

describe('turn writer', () => {
  let database: MigratedDatabase;
  let prisma: PrismaClient;
  let callId: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    prisma = database.prisma;
    const agent = await seedDefaultAgent(prisma);
    const call = await prisma.call.create({
      data: {
        callSid: 'CAturns',
        direction: 'inbound',
        from: '+14155550123',
        to: '+14155550100',
        status: 'in_progress',
        agentId: agent.id,
      },
    });
    callId = call.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores each turn once, in order, with its latencies and tool calls', async () => {
    const { logger, records } = captureLogger();
    const writer = createTurnWriter(prisma, callId, logger);
    const toolCalls = [
      { id: 'call_1', name: 'bookAppointment', arguments: '{"startsAt":"x"}', result: '{"ok":true}' },
    ];
    writer.record({
      sequence: 0,
      role: 'assistant',
      generatedText: 'Hi, how can I help?',
      heardText: 'Hi, how can I help?',
      interrupted: false,
    });
    writer.record({
      sequence: 1,
      role: 'user',
      heardText: 'Book me in — "tomorrow"?',
      interrupted: false,
      latency: { sttFinalMs: 301.6 },
    });
    writer.record({
      sequence: 2,
      role: 'assistant',
      generatedText: 'Booked for ten. See you then.',
      heardText: 'Booked for ten.',
      interrupted: true,
      latency: { sttFinalMs: 300.2, llmFirstTokenMs: 21.5, ttsFirstByteMs: 20.4, firstFrameMs: 3.49 },
      toolCalls,
    });
    // A retried write of the same (call, sequence) changes nothing.
    writer.record({ sequence: 2, role: 'assistant', heardText: 'something else', interrupted: false });
    await writer.flush();

    const rows = await prisma.turn.findMany({ where: { callId }, orderBy: { sequence: 'asc' } });
    expect(rows.map((r) => [r.sequence, r.role, r.heardText, r.interrupted])).toEqual([
      [0, 'assistant', 'Hi, how can I help?', false],
      [1, 'user', 'Book me in — "tomorrow"?', false],
      [2, 'assistant', 'Booked for ten.', true],
    ]);
    expect(rows[0]).toMatchObject({
      generatedText: 'Hi, how can I help?',
      sttFinalMs: null,
      toolCalls: null,
    });
    expect(rows[1]).toMatchObject({ generatedText: null, sttFinalMs: 302, llmFirstTokenMs: null });
    expect(rows[2]).toMatchObject({
      generatedText: 'Booked for ten. See you then.',
      sttFinalMs: 300,
      llmFirstTokenMs: 22,
      ttsFirstByteMs: 20,
      firstFrameMs: 3,
      toolCalls,
    });
    // Ids are UUIDv7, as the schema's default would make them.
    for (const r of rows)
      expect(r.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(records().filter((l) => l.level >= 50)).toEqual([]);
  });

  it('logs a turn it cannot store and goes on with the next', async () => {
    const { logger, records } = captureLogger();
    const writer = createTurnWriter(prisma, '00000000-0000-7000-8000-000000000000', logger);
    writer.record({ sequence: 0, role: 'user', heardText: 'no such call', interrupted: false });
    await writer.flush();
    expect(records().some((l) => l.level >= 50 && String(l.msg).includes('could not store a turn'))).toBe(
      true,
    );
  });
});
