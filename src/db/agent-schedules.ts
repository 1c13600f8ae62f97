import { type BusinessHours, businessHoursSchema, type Schedule } from '../domain/availability.ts';
import type { PrismaClient } from './client.ts';

/** An agent's booking schedule read from its row: business hours, slot length, time zone. */
export async function agentSchedule(prisma: PrismaClient, agentId: string): Promise<Schedule> {
  const agent = await prisma.agent.findUniqueOrThrow({
    where: { id: agentId },
    select: { businessHours: true, slotMinutes: true, timeZone: true },
  });
  const hours: BusinessHours = businessHoursSchema.parse(agent.businessHours);
  return { hours, slotMinutes: agent.slotMinutes, timeZone: agent.timeZone };
}

/**
 * Agent schedules as last read, so a booking needs no read of its own before it writes. A cached
 * schedule is only ever a guess: the booking statement inserts only while the agent row still
 * holds exactly this schedule (see `bookSlot`), and a refusal made from a cached schedule is
 * checked again against a fresh read. An edited agent therefore never books by its old hours.
 */
export class ScheduleCache {
  private readonly byAgent = new Map<string, Schedule>();

  constructor(
    private readonly prisma: PrismaClient,
    /** Bounds memory on a worker serving many agents; the oldest entry goes first. */
    private readonly maxAgents = 1000,
  ) {}

  /** The cached schedule, else a fresh read. */
  async get(agentId: string): Promise<{ schedule: Schedule; fresh: boolean }> {
    const cached = this.byAgent.get(agentId);
    if (cached) return { schedule: cached, fresh: false };
    return { schedule: await this.refresh(agentId), fresh: true };
  }

  /** Reads the agent's schedule now and keeps it. */
  async refresh(agentId: string): Promise<Schedule> {
    const schedule = await agentSchedule(this.prisma, agentId);
    this.byAgent.delete(agentId);
    this.byAgent.set(agentId, schedule);
    if (this.byAgent.size > this.maxAgents) {
      const oldest = this.byAgent.keys().next().value;
      if (oldest !== undefined) this.byAgent.delete(oldest);
    }
    return schedule;
  }
}
