import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CallControl, CallStatus } from '../../src/providers/ports.ts';
import { callWorkflow } from '../../src/workflows/call/call-workflow.ts';
import * as contract from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/** Twilio's view of calls, as the workflow's status check and hang-up see it. */
class RecordingCallControl implements CallControl {
  statuses = new Map<string, CallStatus>();
  hangUps: string[] = [];
  transfers: { callSid: string; to: string }[] = [];
  async fetchCall(callSid: string) {
    return { sid: callSid, status: this.statuses.get(callSid) ?? 'in-progress' };
  }
  async hangUp(callSid: string) {
    this.hangUps.push(callSid);
    this.statuses.set(callSid, 'completed');
  }
  async transfer(callSid: string, to: string) {
    this.transfers.push({ callSid, to });
  }
  recordings: string[] = [];
  async startRecording(callSid: string, statusCallbackUrl: string) {
    // Like Twilio through the adapter: a second start returns the running recording.
    if (!this.recordings.includes(callSid)) this.recordings.push(callSid);
    const sid = `RE${callSid.slice(2)}`;
    return { sid, url: `${statusCallbackUrl}#${sid}`, status: 'in-progress' };
  }
  async deleteRecording(): Promise<never> {
    throw new Error('the call workflow never deletes recordings');
  }
}

describe('call workflow: lifecycle', () => {
  let platform: TestPlatform;
  const telephony = new RecordingCallControl();

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'call-lifecycle', callControl: telephony });
    await seedDefaultAgent(platform.prisma);
  });
  afterAll(() => platform?.close());

  const start = (callSid: string, extra: Record<string, unknown> = {}) =>
    platform.client.workflow.start(callWorkflow, {
      taskQueue: platform.taskQueue,
      workflowId: contract.callWorkflowId(callSid),
      args: [{ callSid, direction: 'inbound', from: '+14155552671', to: '+14155550100', ...extra }],
    });

  it('ends the call once when the stream stop and the status callback both arrive', async () => {
    const handle = await start('CAlife0001');
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ1', node: 'test' });
    await handle.signal(contract.mediaStoppedSignal, { reason: 'stop frame' });
    await handle.signal(contract.callStatusSignal, { status: 'completed', durationSec: 12 });
    const state = await handle.result();
    expect(state).toMatchObject({ phase: 'ended', endReason: 'media stopped: stop frame' });
    const history = await handle.fetchHistory();
    const closes = (history.events ?? []).filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'closeCall',
    );
    expect(closes).toHaveLength(1);
    const call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAlife0001' } });
    expect(call.status).toBe('completed');
    expect(call.answeredAt).not.toBeNull();
    expect(telephony.hangUps).not.toContain('CAlife0001');
  });

  it('closes a call whose media node went silent, hanging up the still-live phone call', async () => {
    const handle = await start('CAlife0002', { mediaHeartbeatTimeoutMs: 1500 });
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ2', node: 'doomed' });
    const state = await handle.result();
    expect(state).toMatchObject({ phase: 'ended', outcome: 'failed', endReason: 'media lost' });
    expect(telephony.hangUps).toContain('CAlife0002');
    const call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAlife0002' } });
    expect(call).toMatchObject({ status: 'completed', outcome: 'failed' });
  });

  it('takes the real status from the telephony side when the call already ended there', async () => {
    telephony.statuses.set('CAlife0003', 'completed');
    const handle = await start('CAlife0003', { mediaHeartbeatTimeoutMs: 1500 });
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ3', node: 'doomed' });
    const state = await handle.result();
    expect(state.endReason).toBe('media lost; telephony reports completed');
    expect(telephony.hangUps).not.toContain('CAlife0003');
  });

  it('stays up while heartbeats arrive and transfers to a human through the telephony side', async () => {
    const handle = await start('CAlife0004', { mediaHeartbeatTimeoutMs: 1500, transferTo: '+14155550199' });
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ4', node: 'healthy' });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 600));
      await handle.signal(contract.mediaHeartbeatSignal);
    }
    expect((await handle.query(contract.callStateQuery)).phase).toBe('live');
    const transfer = await handle.executeUpdate(contract.transferToHumanUpdate, {
      args: [{}],
      updateId: 'tool_xfer',
    });
    expect(transfer).toEqual({ ok: true, value: { to: '+14155550199' } });
    expect(telephony.transfers).toEqual([{ callSid: 'CAlife0004', to: '+14155550199' }]);
    await handle.signal(contract.mediaStoppedSignal, { reason: 'transferred' });
    expect(await handle.result()).toMatchObject({ outcome: 'transferred', transferredTo: '+14155550199' });
  });

  it('records the call when its agent records calls, once, and stores the recording', async () => {
    const agent = await platform.prisma.agent.create({
      data: {
        name: 'Recorded line',
        systemPrompt: 'You help.',
        greeting: 'Hi.',
        voice: 'v',
        ttsModel: 'm',
        sttModel: 'm',
        recordCalls: true,
        phoneNumbers: { create: { phone: '+14155550177' } },
      },
    });
    const handle = await start('CAlife0005', { to: '+14155550177' });
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ5', node: 'test' });
    await handle.signal(contract.callStatusSignal, { status: 'in-progress' });
    await vi.waitFor(() => expect(telephony.recordings).toContain('CAlife0005'), { timeout: 10_000 });
    await handle.signal(contract.mediaStoppedSignal, { reason: 'stop frame' });
    await handle.result();
    expect(telephony.recordings).toEqual(['CAlife0005']);
    const call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAlife0005' } });
    expect(call).toMatchObject({
      agentId: agent.id,
      recordingSid: 'RElife0005',
      recordingStatus: 'in-progress',
    });
    expect(call.recordingUrl).toContain('RElife0005');
  });

  it('does not record calls of an agent that does not record', async () => {
    const handle = await start('CAlife0006');
    await handle.signal(contract.mediaStartedSignal, { streamSid: 'MZ6', node: 'test' });
    await handle.signal(contract.mediaStoppedSignal, { reason: 'stop frame' });
    await handle.result();
    expect(telephony.recordings).not.toContain('CAlife0006');
    const call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAlife0006' } });
    expect(call.recordingSid).toBeNull();
  });
});
