import type { PrismaClient } from '../../src/db/client.ts';
import { DEFAULT_AGENT } from '../../src/db/seed.ts';

/** A default agent open Monday to Friday 09:00-17:00 New York time, 30-minute slots. */
export function seedDefaultAgent(prisma: PrismaClient) {
  const day = [['09:00', '17:00']];
  return prisma.agent.create({
    data: {
      name: 'Test receptionist',
      systemPrompt: 'You book appointments.',
      greeting: 'Hello, how can I help?',
      voice: 'sim-voice',
      ttsModel: 'sim',
      sttModel: 'sim',
      isDefault: true,
      enabledTools: DEFAULT_AGENT.enabledTools,
      timeZone: 'America/New_York',
      slotMinutes: 30,
      businessHours: { mon: day, tue: day, wed: day, thu: day, fri: day },
    },
  });
}
