import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveRecordingStatus } from '../../src/db/recordings.ts';
import { createLogger } from '../../src/logger.ts';
import { createHealthChecker } from '../../src/platform/health.ts';
import { signTwilioRequest } from '../../src/providers/twilio/signature.ts';
import { buildRealtime } from '../../src/realtime/app.ts';
import { createStreamTokens } from '../../src/realtime/media/stream-token.ts';
import { callStateQuery, callWorkflowId } from '../../src/workflows/call/contract.ts';
import { seedDefaultAgent } from '../support/agents.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';

const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
const BASE = 'http://127.0.0.1:3001';

describe('Twilio webhooks', () => {
  let platform: TestPlatform;
  let app: FastifyInstance;
  const tokens = createStreamTokens({ secret: 'a-long-enough-test-secret', ttlMs: 60_000 });

  beforeAll(async () => {
    platform = await startTestPlatform({ name: 'webhooks' });
    await seedDefaultAgent(platform.prisma);
    const health = createHealthChecker({});
    app = await buildRealtime({
      logger: createLogger('silent'),
      health,
      readiness: health,
      twilio: {
        client: platform.client,
        taskQueue: platform.taskQueue,
        authToken: AUTH_TOKEN,
        publicBaseUrl: BASE,
        tokens,
        saveRecordingStatus: (update) => saveRecordingStatus(platform.prisma, update),
      },
    });
  });
  afterAll(async () => {
    await app?.close();
    await platform?.close();
  });

  function post(
    path: string,
    params: Record<string, string>,
    signature = signTwilioRequest(AUTH_TOKEN, BASE + path, params),
  ) {
    return app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      payload: new URLSearchParams(params).toString(),
    });
  }

  const incoming = {
    CallSid: 'CAhook0001',
    From: '+14155552671',
    To: '+14155550100',
    Direction: 'inbound',
    CallStatus: 'ringing',
  };

  it('starts the call workflow and answers a media stream with a call-bound token', async () => {
    const res = await post('/twilio/voice', incoming);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/xml/);
    expect(res.body).toContain('<Connect><Stream url="ws://127.0.0.1:3001/twilio/media">');
    const token = /<Parameter name="token" value="([^"]+)"\/>/.exec(res.body)?.[1] as string;
    expect(tokens.verify(token, 'CAhook0001')).toEqual({ ok: true });

    // Twilio retries the webhook: the same workflow run serves it.
    const handle = platform.client.workflow.getHandle(callWorkflowId('CAhook0001'));
    const { runId } = await handle.describe();
    expect((await post('/twilio/voice', incoming)).statusCode).toBe(200);
    expect((await handle.describe()).runId).toBe(runId);
    expect((await handle.query(callStateQuery)).phase).toBe('ringing');
  });

  it('forwards each status callback once and ends the call', async () => {
    const status = { ...incoming, CallStatus: 'completed', CallDuration: '7', SequenceNumber: '3' };
    expect((await post('/twilio/status', status)).statusCode).toBe(204);
    expect((await post('/twilio/status', status)).statusCode).toBe(204);
    const state = await platform.client.workflow.getHandle(callWorkflowId('CAhook0001')).result();
    expect(state).toMatchObject({ phase: 'ended', endReason: 'status completed' });
    const unknown = { ...status, CallSid: 'CAnobody' };
    expect((await post('/twilio/status', unknown)).statusCode).toBe(204);
  });

  it('refuses unsigned, mis-signed and tampered requests without starting anything', async () => {
    const params = { ...incoming, CallSid: 'CAhook0002' };
    expect((await post('/twilio/voice', params, '')).statusCode).toBe(403);
    expect(
      (await post('/twilio/voice', params, signTwilioRequest('wrong-token', `${BASE}/twilio/voice`, params)))
        .statusCode,
    ).toBe(403);
    const signed = signTwilioRequest(AUTH_TOKEN, `${BASE}/twilio/voice`, params);
    expect((await post('/twilio/voice', { ...params, From: '+19995550000' }, signed)).statusCode).toBe(403);
    expect(
      (
        await post(
          '/twilio/voice',
          params,
          signTwilioRequest(AUTH_TOKEN, 'https://evil.example/twilio/voice', params),
        )
      ).statusCode,
    ).toBe(403);
    await expect(
      platform.client.workflow.getHandle(callWorkflowId('CAhook0002')).describe(),
    ).rejects.toThrow();
  });

  it('answers 400 to signed requests without call fields', async () => {
    expect((await post('/twilio/voice', { CallSid: 'nope' })).statusCode).toBe(400);
    expect((await post('/twilio/status', { CallSid: 'CAhook0003', CallStatus: 'exploded' })).statusCode).toBe(
      400,
    );
  });

  it('stores recording status callbacks, never moving the status back, and refuses forged ones', async () => {
    // CAhook0001 exists from the first test (the call record is written by the workflow).
    const url = `https://api.twilio.com/2010-04-01/Accounts/${'AC'.padEnd(34, '0')}/Recordings/REhook0001`;
    const base = { CallSid: 'CAhook0001', RecordingSid: 'REhook0001', RecordingUrl: url };
    const done = { ...base, RecordingStatus: 'completed', RecordingDuration: '7' };
    expect((await post('/twilio/recording-status', done, '')).statusCode).toBe(403);
    let call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAhook0001' } });
    expect(call.recordingSid).toBeNull();
    expect((await post('/twilio/recording-status', done)).statusCode).toBe(204);
    const late = { ...base, RecordingStatus: 'in-progress', RecordingDuration: '-1' };
    expect((await post('/twilio/recording-status', late)).statusCode).toBe(204);
    call = await platform.prisma.call.findUniqueOrThrow({ where: { callSid: 'CAhook0001' } });
    expect(call).toMatchObject({
      recordingSid: 'REhook0001',
      recordingUrl: url,
      recordingStatus: 'completed',
      recordingDurationSec: 7,
    });
    expect((await post('/twilio/recording-status', { ...done, CallSid: 'CAnobody' })).statusCode).toBe(204);
    expect((await post('/twilio/recording-status', { ...done, RecordingSid: 'x' })).statusCode).toBe(400);
  });
});
