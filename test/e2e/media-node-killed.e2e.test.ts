import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import type { CallControl, CallStatus } from '../../src/providers/ports.ts';
import { placeSimCall } from '../../src/sim/twilio/caller.ts';
import { findFreePort } from '../../src/temporal/ports.ts';
import { callWorkflowId } from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { type LauncherProcess, spawnLauncher, waitUntil } from '../support/launcher.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

/** Twilio's side of the call: still in progress until the workflow hangs it up. */
class TelephonyView implements CallControl {
  hangUps: string[] = [];
  async fetchCall(sid: string) {
    return { sid, status: (this.hangUps.includes(sid) ? 'completed' : 'in-progress') as CallStatus };
  }
  async hangUp(sid: string) {
    this.hangUps.push(sid);
  }
  async transfer() {}
  async startRecording(): Promise<never> {
    throw new Error('this test does not record calls');
  }
  async deleteRecording(): Promise<never> {
    throw new Error('this test does not record calls');
  }
}

/**
 * The realtime node runs as its own process (`npm start -- realtime`) and is SIGKILLed in the
 * middle of a call; the call workflow, on the worker in this process, must notice the silence,
 * ask the telephony side, hang the call up and close it.
 */
describe('media node killed mid-call', () => {
  const telephony = new TelephonyView();
  let platform: TestPlatform;
  let node: LauncherProcess;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'node-killed', callControl: telephony });
    await seedDefaultAgent(platform.prisma);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sb-node-killed-'));
    port = await findFreePort('127.0.0.1');
    node = spawnLauncher(
      {
        DATA_DIR: dataDir,
        TEMPORAL_ADDRESS: inject('temporal').address,
        TEMPORAL_NAMESPACE: inject('temporal').namespace,
        TEMPORAL_TASK_QUEUE: platform.taskQueue,
        DATABASE_URL: platform.databaseUrl,
        REALTIME_PORT: String(port),
        CALL_HEARTBEAT_TIMEOUT_MS: '3000',
        LOG_LEVEL: 'info',
      },
      ['realtime'],
    );
    await node.waitForLog('Switchboard ready', 60_000);
  });

  afterAll(async () => {
    if (node && node.child.exitCode === null && node.child.signalCode === null) {
      node.child.kill('SIGKILL');
      await node.exited;
    }
    await platform?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes the call through the workflow after the node dies', async () => {
    const account = JSON.parse(fs.readFileSync(path.join(dataDir, 'simulated-twilio.json'), 'utf8'));
    const call = placeSimCall({
      voiceUrl: `http://127.0.0.1:${port}/twilio/voice`,
      accountSid: account.accountSid,
      authToken: account.authToken,
      from: '+14155552673',
      to: '+14155550100',
      script: [
        { say: 'Hello there', afterAgentSilenceMs: 300 },
        { hangUp: true, afterMs: 60_000 },
      ],
      logger: createLogger('silent'),
    });
    const ended = call.done.catch(() => undefined);
    const handle = platform.client.workflow.getHandle(callWorkflowId(call.callSid));
    await waitUntil(
      async () => (await handle.query('callState').catch(() => undefined)) !== undefined,
      20_000,
      'call workflow',
    );
    await waitUntil(() => call.timeline.agentBytesPlayed > 4000, 20_000, 'the greeting to play');

    node.child.kill('SIGKILL');
    const killedAt = Date.now();
    const state = await handle.result();
    const closedAfterMs = Date.now() - killedAt;
    console.log(
      `media node SIGKILL → call closed by its workflow in ${closedAfterMs} ms (heartbeat timeout 3000 ms)`,
    );

    expect(state).toMatchObject({ phase: 'ended', outcome: 'failed', endReason: 'media lost' });
    expect(telephony.hangUps).toEqual([call.callSid]);
    const row = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: call.callSid } });
    expect(row).toMatchObject({ status: 'completed', outcome: 'failed' });
    expect(row.endedAt).not.toBeNull();
    await ended;
  });
});
