import { listFreeSlots } from '../../src/db/appointments.ts';
import type { Agent, Prisma, PrismaClient } from '../../src/db/client.ts';
import { DEFAULT_AGENT } from '../../src/db/seed.ts';
import { WEEKDAYS } from '../../src/domain/availability.ts';

/**
 * The default agent (so every call finds it), open every day 00:00-23:59 UTC with 5-minute slots:
 * about 288 free slots a day, so a benchmark never runs out of distinct slots to book.
 */
export function seedBenchAgent(
  prisma: PrismaClient,
  overrides: Partial<Prisma.AgentCreateInput> = {},
): Promise<Agent> {
  const allDay = Object.fromEntries(WEEKDAYS.map((day) => [day, [['00:00', '23:59']]]));
  return prisma.agent.create({
    data: {
      ...DEFAULT_AGENT,
      name: 'Bench receptionist',
      timeZone: 'UTC',
      slotMinutes: 5,
      businessHours: allDay,
      isDefault: true,
      ...overrides,
    },
  });
}

/** `count` distinct free slots starting an hour from now (well clear of "in the past"). */
export async function freeSlots(prisma: PrismaClient, agentId: string, count: number): Promise<string[]> {
  const from = new Date(Date.now() + 60 * 60_000);
  const days = Math.ceil(count / 280) + 2;
  const slots = await listFreeSlots(prisma, {
    agentId,
    from,
    to: new Date(from.getTime() + days * 86_400_000),
    limit: count,
  });
  if (slots.length < count) throw new Error(`only ${slots.length} free slots, wanted ${count}`);
  return slots.map((s) => s.startsAt.toISOString());
}
