import { type ChildProcess, spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SimCall } from '../../src/sim/twilio/rest.ts';
import { localActivityRuns } from '../support/local-activity-markers.ts';
import {
  ACCOUNT_SID,
  AUTH_TOKEN,
  type OutboundHarness,
  seedCampaignAgent,
  seedCampaignContact,
  startOutboundHarness,
} from '../support/outbound.ts';
import type { OutboundWorkerOptions } from '../support/outbound-worker.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const CONTACT_PHONE = '+14155553001';

interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<void>;
}

function spawnWorker(options: OutboundWorkerOptions): Promise<WorkerProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/outbound-worker.ts', JSON.stringify(options)],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker not ready in 90 s: ${stderr}`)), 90_000);
    void exited.then(() => reject(new Error(`worker exited before it was ready: ${stderr}`)));
    readline.createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.trim() !== 'worker ready') return;
      clearTimeout(timer);
      resolve({ child, exited });
    });
  });
}

async function kill(worker: WorkerProcess | undefined): Promise<void> {
  if (!worker || worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGKILL');
  await worker.exited;
}

/**
 * R1b: the worker dialing a campaign attempt is SIGKILLed after Twilio accepted the call and
 * before the CallSid reached the database. The re-run dial, on a fresh worker, must find that
 * call at Twilio instead of dialing again, although a local activity's re-run is attempt 1 again.
 */
describe('R1b: worker killed inside the dial crash window', () => {
  let h: OutboundHarness;
  let options: OutboundWorkerOptions;
  let first: WorkerProcess | undefined;
  let second: WorkerProcess | undefined;
  let killedOnCall: SimCall | undefined;
  let killed: Promise<void> | undefined;

  beforeAll(async () => {
    h = await startOutboundHarness({
      name: 'outbound-r1b',
      defaultScenario: { kind: 'busy' },
      onAccepted: async (call) => {
        if (call.to !== CONTACT_PHONE || killedOnCall) return;
        // Twilio has the call; the dialing process dies before it hears back.
        killedOnCall = call;
        killed = kill(first);
        await killed;
      },
    });
    const { address, namespace } = inject('temporal');
    options = {
      address,
      namespace,
      taskQueue: `${h.platform.taskQueue}-dialers`,
      databaseUrl: h.platform.databaseUrl,
      restUrl: h.restUrl,
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      publicBaseUrl: h.baseUrl,
    };
    first = await spawnWorker(options);
  });

  afterAll(async () => {
    await kill(first);
    await kill(second);
    await h?.close();
  });

  it('dials the contact exactly once and records the call the crashed attempt placed', async () => {
    const agent = await seedCampaignAgent(h.platform);
    const { campaign, contact } = await seedCampaignContact(h.platform, agent.id, CONTACT_PHONE);
    const handle = await h.dial(
      `dial:${contact.id}:1`,
      { to: CONTACT_PHONE, campaignId: campaign.id, contactId: contact.id, attempt: 1 },
      options.taskQueue,
    );
    const deadline = Date.now() + 60_000;
    while (!killedOnCall && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(killedOnCall).toBeDefined();
    await killed;
    expect(first?.child.signalCode).toBe('SIGKILL');
    const stored = await h.platform.prisma.dialAttempt.findFirstOrThrow({ where: { contactId: contact.id } });
    expect(stored.callSid).toBeNull();

    second = await spawnWorker(options);
    const result = await handle.result();

    expect(h.sim.dialCount(CONTACT_PHONE)).toBe(1);
    expect(result).toEqual({ disposition: 'busy', callSid: killedOnCall?.sid, detail: 'busy' });
    const attempt = await h.platform.prisma.dialAttempt.findFirstOrThrow({
      where: { contactId: contact.id },
    });
    expect(attempt).toMatchObject({ attempt: 1, callSid: killedOnCall?.sid, disposition: 'busy' });
    // The dial really ran twice: the first run died with its worker inside its workflow task (the
    // dial is a local activity), and the re-run, at attempt 1 again, found the mark and reconciled.
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.workflowTaskTimedOutEventAttributes)).toBe(true);
    const dials = localActivityRuns(events).filter((r) => r.type === 'placeDial');
    expect(dials).toEqual([
      { type: 'placeDial', attempt: 1, result: { callSid: killedOnCall?.sid, reconciled: true } },
    ]);
    expect(attempt.dialStartedAt).toEqual(expect.any(Date));
    console.log(
      `R1b: dial re-run after the kill reconciled; dials at the simulated Twilio: ${h.sim.dialCount(CONTACT_PHONE)}`,
    );
  });
});
