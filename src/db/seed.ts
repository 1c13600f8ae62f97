import type { PrismaClient } from './client.ts';

/**
 * The agent a fresh install answers with. Created once: an operator's edits are never
 * overwritten, and a database that already has a default agent is left alone.
 */
export const DEFAULT_AGENT = {
  name: 'Switchboard receptionist',
  systemPrompt: [
    'You are the phone receptionist for {{business_name}}. You are talking to {{customer_name}} on the phone.',
    'Keep every answer to one or two short sentences: this is a voice call.',
    'You can look up free appointment slots, book, reschedule or cancel appointments, and transfer the caller',
    'to a human. Never invent a time: offer only slots returned by findAvailableSlots. Confirm the day and time',
    'before booking. If the caller wants to stop, say goodbye and end the call.',
  ].join(' '),
  greeting: 'Hello, thanks for calling {{business_name}}. How can I help you today?',
  voice: 'EXAVITQu4vr4xnJAxuWV',
  ttsModel: 'eleven_flash_v2_5',
  sttModel: 'nova-3',
  language: 'en-US',
  enabledTools: [
    'findAvailableSlots',
    'listMyAppointments',
    'bookAppointment',
    'rescheduleAppointment',
    'cancelAppointment',
    'transferToHuman',
    'endCall',
  ],
  timeZone: 'UTC',
  slotMinutes: 30,
  businessHours: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [['09:00', '17:00']],
  },
  isDefault: true,
};

export async function ensureDefaultAgent(
  prisma: PrismaClient,
): Promise<{ created: boolean; agentId: string }> {
  const existing = await prisma.agent.findFirst({ where: { isDefault: true } });
  if (existing) return { created: false, agentId: existing.id };
  try {
    const agent = await prisma.agent.create({ data: DEFAULT_AGENT });
    return { created: true, agentId: agent.id };
  } catch (err) {
    // Another role of the same deployment seeded it first (the partial unique index refused us).
    const winner = await prisma.agent.findFirst({ where: { isDefault: true } });
    if (winner) return { created: false, agentId: winner.id };
    throw err;
  }
}
