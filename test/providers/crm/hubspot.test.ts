import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { createHubSpotCrm } from '../../../src/providers/crm/hubspot.ts';
import { type CrmSim, startCrmSim } from '../../../src/sim/crm/server.ts';
import { sampleRecord } from './record.ts';

const logger = createLogger('silent');
let sim: CrmSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe('HubSpot CRM adapter', () => {
  it('upserts the contact by phone and logs one note per key, even when the first answer was lost', async () => {
    sim = await startCrmSim({ faults: { dropAfterAccept: new Map([['crm:h1:1', 1]]) } });
    const hubspot = createHubSpotCrm({
      accessToken: sim.hubspot.accessToken,
      baseUrl: sim.hubspot.baseUrl,
      logger,
    });
    // The note is stored but the connection is cut before HubSpot answers.
    await expect(hubspot.push(sampleRecord('crm:h1:1'))).rejects.toMatchObject({ retryable: true });
    const retried = await hubspot.push(sampleRecord('crm:h1:1'));
    await hubspot.push(sampleRecord('crm:h2:1'));

    expect(sim.ledger.callWritesFor('crm:h1:1')).toHaveLength(1);
    expect(retried.externalId).toBe(sim.ledger.callWritesFor('crm:h1:1')[0]?.id);
    expect(sim.hubspot.state.contacts.size).toBe(1);
    expect(sim.hubspot.state.notes.size).toBe(2);
    const note = sim.hubspot.state.notes.get(retried.externalId as string);
    expect(note?.properties.hs_note_body).toContain('The caller booked a cleaning for Tuesday.');
    expect(note?.associations).toEqual([
      {
        to: { id: [...sim.hubspot.state.contacts.keys()][0] },
        types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 202 }],
      },
    ]);
  });

  it('treats a bad token as permanent', async () => {
    sim = await startCrmSim();
    const hubspot = createHubSpotCrm({ accessToken: 'wrong', baseUrl: sim.hubspot.baseUrl, logger });
    await expect(hubspot.push(sampleRecord('crm:h3:1'))).rejects.toMatchObject({
      retryable: false,
      status: 401,
    });
  });
});
