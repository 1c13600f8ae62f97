import { createCampaign } from '../../src/campaigns/create-campaign.ts';
import type { CallingHours } from '../../src/domain/calling-hours.ts';
import type { CampaignPlatform } from './campaign-platform.ts';
import type { SimDial } from './dial-double.ts';

/** Every day, all day (00:00–23:59) in the contact's zone: for tests not about calling hours. */
export const ALWAYS: CallingHours = Object.fromEntries(
  ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, [['00:00', '23:59']]]),
);

/** A valid, distinct US number per index (San Francisco 415, exchange 2xx). */
export const phoneFor = (i: number) => `+1415${String(2_000_000 + i).padStart(7, '0')}`;

export interface TestContact {
  phone: string;
  timeZone: string;
  variables?: Record<string, string>;
}

export function contacts(
  count: number,
  variables: Record<string, string> = {},
  timeZone = 'UTC',
): TestContact[] {
  return Array.from({ length: count }, (_, i) => ({ phone: phoneFor(i), timeZone, variables }));
}

export async function createTestCampaign(
  platform: CampaignPlatform,
  list: TestContact[],
  settings: Record<string, unknown> = {},
): Promise<string> {
  const { campaignId } = await createCampaign(platform.prisma, {
    name: 'test campaign',
    agentId: platform.agentId,
    concurrencyLimit: 5,
    pacingPerMinute: 60_000,
    callingHours: ALWAYS,
    callerId: '+14155550100',
    ...settings,
    contacts: list,
  });
  return campaignId;
}

/** Polls `probe` until it returns a truthy value (test-side waiting only). */
export async function waitFor<T>(
  probe: () => Promise<T>,
  timeoutMs = 60_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Most dials whose [dialed, ended] intervals overlap at one moment. */
export function maxOverlap(dials: SimDial[]): number {
  const edges = dials.flatMap((d) => [
    { t: d.dialedAt.getTime(), delta: 1 },
    { t: (d.endedAt ?? new Date(8.64e15)).getTime(), delta: -1 },
  ]);
  // Ends before starts at the same instant: touching intervals do not overlap.
  edges.sort((a, b) => a.t - b.t || a.delta - b.delta);
  let now = 0;
  let max = 0;
  for (const e of edges) {
    now += e.delta;
    max = Math.max(max, now);
  }
  return max;
}

export function countBy<T>(items: T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const i of items) out[key(i)] = (out[key(i)] ?? 0) + 1;
  return out;
}
