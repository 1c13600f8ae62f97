import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import type * as proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SA } from '../../src/workflows/search-attributes.ts';
import { localActivityRuns } from '../support/local-activity-markers.ts';
import {
  CALLER_ID,
  type OutboundHarness,
  seedCampaignAgent,
  seedCampaignContact,
  startOutboundHarness,
} from '../support/outbound.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const CAMPAIGN_BUSY = '+14155552001';
const ON_DNC = '+14155552002';
const DIR = fileURLToPath(new URL('../histories/outbound/', import.meta.url));

/**
 * The Temporal shape of a dial since the `outbound-lean-dial` patch: claim and outcome as local
 * activities (markers, no activity tasks) and at most one search-attribute upsert of ours, carrying
 * only what the start did not set. Since `outbound-local-dial` a campaign attempt's placeDial is a
 * local activity too, so it has no activity task at all; a one-off call's dial stays one.
 */
describe('outbound call workflow: lean dial shape', () => {
  let h: OutboundHarness;
  let agentId: string;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'outbound-lean',
      scenarios: { [CAMPAIGN_BUSY]: { kind: 'busy' } },
    });
    agentId = (await seedCampaignAgent(h.platform)).id;
  });
  afterAll(() => h?.close());

  it('runs a campaign attempt with no activity task and one upsert, recording its outcome', async () => {
    const { campaign, contact } = await seedCampaignContact(h.platform, agentId, CAMPAIGN_BUSY);
    const workflowId = `dial:${contact.id}:1`;
    // Started as campaignWorkflow starts its children: CampaignId set, CallDirection not.
    const handle = await h.platform.client.workflow.start('outboundCallWorkflow', {
      taskQueue: h.platform.taskQueue,
      workflowId,
      args: [
        { from: CALLER_ID, to: CAMPAIGN_BUSY, campaignId: campaign.id, contactId: contact.id, attempt: 1 },
      ],
      typedSearchAttributes: [{ key: SA.campaignId, value: campaign.id }],
    });
    const result = await handle.result();
    expect(result).toMatchObject({ disposition: 'busy', callSid: expect.stringMatching(/^CA/) });
    expect(h.sim.dialCount(CAMPAIGN_BUSY)).toBe(1);
    expect(
      await h.platform.prisma.dialAttempt.findUniqueOrThrow({
        where: { contactId_attempt: { contactId: contact.id, attempt: 1 } },
      }),
    ).toMatchObject({ callSid: result.callSid, disposition: 'busy', finishedAt: expect.any(Date) });
    expect(
      await h.platform.prisma.campaignContact.findUniqueOrThrow({ where: { id: contact.id } }),
    ).toMatchObject({ attempts: 1, disposition: 'busy' });

    const events = (await handle.fetchHistory()).events ?? [];
    expect(activityTypes(events)).toEqual([]);
    // One patch marker (outbound-local-dial implies lean), so one TemporalChangeVersion upsert.
    expect(markerNames(events)).toEqual([
      'core_patch',
      'core_local_activity',
      'core_local_activity',
      'core_local_activity',
    ]);
    expect(events.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)).toHaveLength(2);
    expect(localActivityRuns(events).map((r) => r.type)).toEqual([
      'claimDial',
      'placeDial',
      'recordDialOutcome',
    ]);
    expect(
      (
        await h.platform.prisma.dialAttempt.findUniqueOrThrow({
          where: { contactId_attempt: { contactId: contact.id, attempt: 1 } },
        })
      ).dialStartedAt,
    ).toEqual(expect.any(Date));
    expect(upsertedKeys(events)).toEqual([['CallDirection', 'CallSid']]);
    const described = await handle.describe();
    expect(described.searchAttributes).toMatchObject({
      CampaignId: [campaign.id],
      CallDirection: ['outbound'],
      CallSid: [result.callSid],
    });
    await recordCliHistory(handle, 'outbound-local-dial-campaign-busy');
  });

  it('upserts nothing of its own for a one-off call refused before dialing', async () => {
    await h.platform.prisma.doNotCallEntry.create({ data: { phone: ON_DNC, source: 'import' } });
    // Started as startOneOffCall starts it: CallDirection already set.
    const handle = await h.platform.client.workflow.start('outboundCallWorkflow', {
      taskQueue: h.platform.taskQueue,
      workflowId: 'outbound:lean-dnc',
      args: [{ from: CALLER_ID, to: ON_DNC }],
      typedSearchAttributes: [{ key: SA.callDirection, value: 'outbound' }],
    });
    expect(await handle.result()).toMatchObject({ disposition: 'do_not_call' });
    expect(h.sim.dialCount(ON_DNC)).toBe(0);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(activityTypes(events)).toEqual(['placeDial']);
    expect(upsertedKeys(events)).toEqual([]);
    expect((await handle.describe()).searchAttributes.CallDirection).toEqual(['outbound']);
  });
});

function activityTypes(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

function markerNames(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => {
    const name = e.markerRecordedEventAttributes?.markerName;
    return name ? [name] : [];
  });
}

/** Keys of each upsert the workflow made, leaving out the SDK's own TemporalChangeVersion. */
function upsertedKeys(events: HistoryEvent[]): string[][] {
  return events
    .flatMap((e) => {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
      return fields
        ? [
            Object.keys(fields)
              .filter((k) => k !== 'TemporalChangeVersion')
              .sort(),
          ]
        : [];
    })
    .filter((keys) => keys.length > 0);
}

/**
 * With RECORD_HISTORIES=1, writes the history as `temporal workflow show --output json` does
 * (proto3 JSON), for outbound-workflow.replay.test.ts. Uses @temporalio/proto's own protobufjs
 * copy, as test/support/history-json.ts does for reading.
 */
async function recordCliHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const require = createRequire(import.meta.url);
  const requireFromProto = createRequire(require.resolve('@temporalio/proto'));
  const { toJson } = requireFromProto('protobufjs/ext/protojson') as {
    toJson(type: unknown, message: unknown): unknown;
  };
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as {
    patchProtobufRoot<T>(root: T): T & { lookupType(name: string): unknown };
  };
  const root = patchProtobufRoot(require('@temporalio/proto'));
  const json = toJson(root.lookupType('temporal.api.history.v1.History'), await handle.fetchHistory());
  await fs.writeFile(`${DIR}${name}.json`, `${JSON.stringify(json, null, 2)}\n`);
}
