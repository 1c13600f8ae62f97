import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { createTwilioCallControl } from '../../src/providers/twilio/call-control.ts';
import { createSimTwilioRest, type SimTwilioRest } from '../../src/sim/twilio/rest.ts';
import { retentionPurgeWorkflow } from '../../src/workflows/housekeeping/retention-purge-workflow.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const ACCOUNT_SID = `AC${'3'.repeat(32)}`;
const AUTH_TOKEN = 'retention-auth-token-0123456789abc';
const DAY = 86_400_000;

/**
 * The retention purge deletes expired recordings at (simulated) Twilio through the official SDK,
 * clears their URLs, marks them deleted and counts them in its audit row; a recording Twilio no
 * longer has (deleted by an earlier, interrupted purge) is marked without an error.
 */
describe('retention purge: recordings', () => {
  let platform: TestPlatform;
  let twilio: SimTwilioRest;
  let agentId: string;

  beforeAll(async () => {
    const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
    twilio = await createSimTwilioRest({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, logger });
    const baseUrl = await twilio.listen();
    platform = await startTestPlatform({
      name: 'retention-recordings',
      callControl: createTwilioCallControl({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        baseUrl,
        logger,
      }),
    });
    agentId = (await seedDefaultAgent(platform.prisma)).id;
  });
  afterAll(async () => {
    await platform?.close();
    await twilio?.close();
  });

  async function callWithRecording(callSid: string, ageDays: number, recordingSid: string) {
    return platform.prisma.call.create({
      data: {
        callSid,
        direction: 'inbound',
        from: '+14155552671',
        to: '+14155550100',
        status: 'completed',
        agentId,
        startedAt: new Date(Date.now() - ageDays * DAY),
        recordingSid,
        recordingUrl: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Recordings/${recordingSid}`,
        recordingStatus: 'completed',
        recordingDurationSec: 42,
      },
    });
  }

  function purge(id: string) {
    return platform.client.workflow.execute(retentionPurgeWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: id,
      args: [{ retentionDays: 30, batchSize: 2 }],
    });
  }

  it('deletes expired recordings at Twilio once, marks them deleted, and counts them', async () => {
    const oldSids = [`CA${'a'.repeat(32)}`, `CA${'b'.repeat(32)}`, `CA${'c'.repeat(32)}`];
    const atTwilio = oldSids.map((sid) => twilio.recordings.addCompleted(sid, 42).sid);
    const old = await Promise.all(
      oldSids.map((sid, i) => callWithRecording(sid, 40 + i, atTwilio[i] as string)),
    );
    // Deleted at Twilio by an earlier purge that died before marking the call: Twilio answers 404.
    const goneSid = `RE${'f'.repeat(32)}`;
    const gone = await callWithRecording(`CA${'d'.repeat(32)}`, 35, goneSid);
    const recentSid = twilio.recordings.addCompleted(`CA${'e'.repeat(32)}`, 42).sid;
    const recent = await callWithRecording(`CA${'e'.repeat(32)}`, 5, recentSid);

    const result = await purge('retention-recordings-1');
    expect(result.recordingsDeleted).toBe(4);
    expect([...twilio.recordings.deleted].sort()).toEqual([...atTwilio].sort());
    for (const call of [...old, gone]) {
      expect(await platform.prisma.call.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({
        recordingSid: call.recordingSid,
        recordingUrl: null,
        recordingStatus: 'deleted',
        recordingDurationSec: 42,
      });
    }
    expect(await platform.prisma.call.findUniqueOrThrow({ where: { id: recent.id } })).toMatchObject({
      recordingUrl: recent.recordingUrl,
      recordingStatus: 'completed',
    });
    expect(twilio.recordings.forCall(recent.callSid).map((r) => r.sid)).toEqual([recentSid]);
    const audit = await platform.prisma.auditLogEntry.findFirstOrThrow({
      where: { action: 'retention.purge' },
      orderBy: { createdAt: 'desc' },
    });
    expect(audit.target).toBe('turns,reminder_deliveries,recordings');
    expect(audit.details).toMatchObject({ recordingsDeleted: 4, retentionDays: 30 });

    // A second run finds nothing left to delete and asks Twilio nothing.
    const again = await purge('retention-recordings-2');
    expect(again.recordingsDeleted).toBe(0);
    expect(twilio.recordings.deleted).toHaveLength(3);
  }, 120_000);
});
