import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { CrmRequestError } from '../../../src/providers/crm/http.ts';
import { createZohoCrm } from '../../../src/providers/crm/zoho.ts';
import { type CrmSim, startCrmSim } from '../../../src/sim/crm/server.ts';
import { sampleRecord } from './record.ts';

const logger = createLogger('silent');
let sim: CrmSim | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function zohoAgainst(s: CrmSim, overrides: { refreshToken?: string } = {}) {
  return createZohoCrm({
    clientId: s.zoho.clientId,
    clientSecret: s.zoho.clientSecret,
    refreshToken: overrides.refreshToken ?? s.zoho.refreshToken,
    accountsUrl: s.zoho.accountsUrl,
    apiUrl: s.zoho.apiUrl,
    logger,
  });
}

describe('Zoho CRM adapter', () => {
  it('refreshes the access token itself when it expires and when Zoho revokes it early', async () => {
    sim = await startCrmSim({ zoho: { tokenTtlSec: 2 } });
    const zoho = zohoAgainst(sim);
    await zoho.push(sampleRecord('crm:z1:1'));
    await zoho.push(sampleRecord('crm:z2:1'));
    // One token served both writes while it was fresh.
    expect(sim.zoho.state.tokensIssued).toBe(1);

    await new Promise((r) => setTimeout(r, 2200));
    await zoho.push(sampleRecord('crm:z3:1'));
    expect(sim.zoho.state.tokensIssued).toBe(2);

    // Revoked before its time: the API answers 401 INVALID_TOKEN, the adapter refreshes once and retries.
    sim.zoho.state.expireTokens();
    await zoho.push(sampleRecord('crm:z4:1'));
    expect(sim.zoho.state.tokensIssued).toBe(3);
    const statuses = sim.ledger.requestsFor('crm:z4:1').map((r) => `${r.path} ${r.status}`);
    expect(statuses).toEqual([
      '/zoho/crm/v2/Contacts/upsert 401',
      '/zoho/crm/v2/Contacts/upsert 200',
      '/zoho/crm/v2/Calls/upsert 201',
    ]);
  });

  it('upserts the contact by phone and the call by its sync key, so a repeated push adds nothing', async () => {
    sim = await startCrmSim();
    const zoho = zohoAgainst(sim);
    const first = await zoho.push(sampleRecord('crm:z5:1'));
    const again = await zoho.push(sampleRecord('crm:z5:1'));
    await zoho.push(sampleRecord('crm:z6:1'));
    expect(again.externalId).toBe(first.externalId);
    expect(sim.ledger.callWritesFor('crm:z5:1')).toHaveLength(1);
    expect(sim.zoho.state.modules.get('Contacts')?.size).toBe(1);
    expect(sim.zoho.state.modules.get('Calls')?.size).toBe(2);
    const call = sim.zoho.state.modules.get('Calls')?.get(first.externalId as string);
    expect(call).toMatchObject({ Call_Type: 'Inbound', Call_Duration: '03:05', Switchboard_Key: 'crm:z5:1' });
  });

  it('reports a refused refresh token as a permanent failure', async () => {
    sim = await startCrmSim();
    const zoho = zohoAgainst(sim, { refreshToken: 'revoked' });
    await expect(zoho.push(sampleRecord('crm:z7:1'))).rejects.toMatchObject({
      retryable: false,
      message: 'zoho: token refresh refused: invalid_code',
    });
    expect(sim.ledger.writes).toHaveLength(0);
  });

  it('keeps the OAuth client secret and refresh token out of what a failure records', async () => {
    sim = await startCrmSim({ faults: { errorRate: 1, errorStatus: 400 } });
    const zoho = zohoAgainst(sim);
    const error = (await zoho.push(sampleRecord('crm:z8:1')).catch((e: unknown) => e)) as CrmRequestError;
    expect(error).toBeInstanceOf(CrmRequestError);
    expect(error.retryable).toBe(false);
    expect(error.exchange.request.url).toBe(`${sim.zoho.accountsUrl}/oauth/v2/token`);
    const recorded = JSON.stringify(error.exchange) + error.message;
    expect(recorded).not.toContain(sim.zoho.clientSecret);
    expect(recorded).not.toContain(sim.zoho.refreshToken);
  });
});
