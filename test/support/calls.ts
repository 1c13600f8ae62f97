import type { PrismaClient } from '../../src/db/client.ts';

let counter = 0;

/** A unique, valid US number per call (555-01xx numbers are reserved for fiction). */
function testPhone(): string {
  counter += 1;
  return `+1415${String(5_000_000 + ((Date.now() + counter * 7919) % 4_999_999)).padStart(7, '0')}`;
}

/**
 * An ended inbound call with a customer and, optionally, a transcript: what post-call work
 * finds in the database after the call workflow closed a call.
 */
export async function seedEndedCall(
  prisma: PrismaClient,
  options: { agentId: string; turns?: ['user' | 'assistant', string][]; outcome?: string },
) {
  const phone = testPhone();
  const customer = await prisma.customer.upsert({ where: { phone }, create: { phone }, update: {} });
  const startedAt = new Date(Date.now() - 120_000);
  const call = await prisma.call.create({
    data: {
      callSid: `CA${crypto.randomUUID().replaceAll('-', '')}`,
      direction: 'inbound',
      from: phone,
      to: '+14155550100',
      status: 'completed',
      outcome: options.outcome ?? 'info-only',
      agentId: options.agentId,
      customerId: customer.id,
      startedAt,
      answeredAt: startedAt,
      endedAt: new Date(),
      durationMs: 120_000,
    },
  });
  if (options.turns?.length) {
    await prisma.turn.createMany({
      data: options.turns.map(([role, text], sequence) => ({
        callId: call.id,
        sequence,
        role,
        heardText: text,
      })),
    });
  }
  return { callId: call.id, customerId: customer.id, phone };
}

/** An ended call that already has analysis version 1: what CRM sync starts from. */
export async function seedAnalysedCall(prisma: PrismaClient, agentId: string) {
  const seeded = await seedEndedCall(prisma, { agentId });
  await prisma.callSummary.create({
    data: {
      callId: seeded.callId,
      version: 1,
      status: 'ok',
      summary: 'The caller asked about opening hours.',
      sentiment: 'neutral',
      outcome: 'info_only',
      actionItems: [],
      structuredFields: {},
    },
  });
  return seeded;
}
