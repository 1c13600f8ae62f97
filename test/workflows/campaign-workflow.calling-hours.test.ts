import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  campaignProgress,
  changeCampaignSettings,
  startCampaign,
} from '../../src/campaigns/campaign-control.ts';
import { DEFAULT_CALLING_HOURS, isCallable, nextCallableAt } from '../../src/domain/calling-hours.ts';
import { campaignWorkflowId } from '../../src/workflows/campaign/contract.ts';
import { type CampaignPlatform, startCampaignPlatform } from '../support/campaign-platform.ts';
import {
  ALWAYS,
  countBy,
  createTestCampaign,
  phoneFor,
  type TestContact,
  waitFor,
} from '../support/campaigns.ts';
import { readDialLog } from '../support/dial-double.ts';

/** Zones around the world (whole, half and quarter hour offsets, both hemispheres, DST and not). */
const ZONES = [
  'Pacific/Kiritimati',
  'Pacific/Auckland',
  'Australia/Sydney',
  'Australia/Adelaide',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Asia/Kathmandu',
  'Asia/Kolkata',
  'Asia/Dubai',
  'Europe/Moscow',
  'Europe/Berlin',
  'Europe/London',
  'Atlantic/Azores',
  'America/Sao_Paulo',
  'America/St_Johns',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'Pacific/Pago_Pago',
];
const MARGIN_MS = 10 * 60_000;

/**
 * C1: contacts across time zones under the default 08:00–21:00 local calling hours, with numbers
 * put on the do-not-call list after the campaign was created. There is no time-skipping server
 * offline, so zones are sorted by the real clock: open for the next 10 minutes, or closed for them.
 */
describe('campaign workflow: calling hours and do-not-call (C1)', () => {
  let platform: CampaignPlatform;

  beforeAll(async () => {
    platform = await startCampaignPlatform({ name: 'campaign-hours' });
  });
  afterAll(() => platform?.close());

  it('dials only inside each contact’s hours, never a DNC number, and waits for the others’ windows', async () => {
    const now = new Date();
    const later = new Date(now.getTime() + MARGIN_MS);
    const open = ZONES.filter(
      (z) => isCallable(now, z, DEFAULT_CALLING_HOURS) && isCallable(later, z, DEFAULT_CALLING_HOURS),
    );
    const closed = ZONES.filter(
      (z) => !isCallable(now, z, DEFAULT_CALLING_HOURS) && !isCallable(later, z, DEFAULT_CALLING_HOURS),
    );
    expect(open.length).toBeGreaterThan(2);
    expect(closed.length).toBeGreaterThan(2);
    const list: TestContact[] = [...open, ...closed].flatMap((timeZone, z) =>
      [0, 1, 2].map((k) => ({ phone: phoneFor(z * 3 + k), timeZone })),
    );
    const campaignId = await createTestCampaign(platform, list, {
      callingHours: undefined,
      concurrencyLimit: 10,
    });
    // Opted out after the campaign was created: one contact in an open zone, one in a closed zone.
    const dnc = [list[0] as TestContact, list[list.length - 1] as TestContact].map((c) => c.phone);
    await platform.prisma.doNotCallEntry.createMany({
      data: dnc.map((phone) => ({ phone, source: 'caller_request' })),
    });

    await startCampaign(platform, campaignId);
    const openCount = open.length * 3 - 1;
    await waitFor(
      async () => (await readDialLog(platform.prisma)).length >= openCount,
      60_000,
      'open-zone dials',
    );
    // Settled: no dial running and every outcome written, since the rows are read next.
    await waitFor(
      async () => {
        const p = await campaignProgress(platform, campaignId);
        return p.inFlight === 0 && p.unwritten === 0;
      },
      30_000,
      'settle',
    );

    const zoneOf = new Map(list.map((c) => [c.phone, c.timeZone]));
    const dials = await readDialLog(platform.prisma);
    expect(dials).toHaveLength(openCount);
    for (const d of dials) {
      expect(open).toContain(zoneOf.get(d.phone));
      expect(isCallable(d.startedAt, zoneOf.get(d.phone) as string, DEFAULT_CALLING_HOURS)).toBe(true);
    }
    expect(dials.filter((d) => dnc.includes(d.phone))).toHaveLength(0);

    const rows = await platform.prisma.campaignContact.findMany({ where: { campaignId } });
    for (const r of rows) {
      if (dnc.includes(r.phone))
        expect(r).toMatchObject({ status: 'skipped', disposition: 'do_not_call', attempts: 0 });
      else if (closed.includes(r.timeZone)) {
        // Waiting, with a durable timer, for the window to open in the contact's own zone.
        expect(r).toMatchObject({ status: 'pending', attempts: 0 });
        expect(r.nextAttemptAt?.toISOString()).toBe(
          nextCallableAt(now, r.timeZone, DEFAULT_CALLING_HOURS)?.toISOString(),
        );
      } else expect(r).toMatchObject({ status: 'completed', attempts: 1 });
    }
    const progress = await campaignProgress(platform, campaignId);
    const earliest = Math.min(
      ...rows.filter((r) => r.status === 'pending').map((r) => (r.nextAttemptAt as Date).getTime()),
    );
    expect(progress).toMatchObject({
      status: 'running',
      inFlight: 0,
      unwritten: 0,
      nextDialAt: new Date(earliest).toISOString(),
    });

    // Widening the hours live re-checks the waiting contacts at once.
    await changeCampaignSettings(platform, campaignId, { callingHours: ALWAYS });
    const result = await platform.client.workflow.getHandle(campaignWorkflowId(campaignId)).result();
    const all = await readDialLog(platform.prisma);
    expect(all).toHaveLength(list.length - dnc.length);
    expect(Object.values(countBy(all, (d) => d.phone)).every((n) => n === 1)).toBe(true);
    expect(all.filter((d) => dnc.includes(d.phone))).toHaveLength(0);
    expect(result).toMatchObject({
      status: 'completed',
      contactsByStatus: { completed: list.length - 2, skipped: 2 },
      dispositions: { answered: list.length - 2, do_not_call: 2 },
    });
  }, 180_000);
});
