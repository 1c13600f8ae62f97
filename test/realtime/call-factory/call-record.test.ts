import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../../src/db/client.ts';
import type { LanguageModel, SpeechToText, TextToSpeech } from '../../../src/providers/ports.ts';
import { createCallFactory } from '../../../src/realtime/call-factory.ts';
import type { CallSession, CallSessionDeps } from '../../../src/realtime/session/types.ts';
import { captureLogger } from '../../db/helpers.ts';
import { seedDefaultAgent } from '../../support/agents.ts';
import { createMigratedDatabase, type MigratedDatabase } from '../../support/database.ts';

/**
 * The media node builds a call's session from the call record the call workflow's first activity
 * writes. It waits for that record in Postgres, not by querying the workflow: under a burst of new
 * calls the worker is what is slow, and queries would only add to its work.
 */
describe('call factory: waiting for the call record', () => {
  let database: MigratedDatabase;
  let prisma: PrismaClient;
  let agentId: string;

  beforeAll(async () => {
    database = await createMigratedDatabase();
    prisma = database.prisma;
    const agent = await seedDefaultAgent(prisma);
    await prisma.agent.update({ where: { id: agent.id }, data: { greeting: 'Hello {{customer_name}}!' } });
    agentId = agent.id;
  });
  afterAll(async () => {
    await database?.close();
  });

  /** A factory whose workflow client counts queries and answers them with `variables`. */
  function factory(variables?: Record<string, string>) {
    const seen = { queries: 0, sessions: [] as CallSessionDeps[] };
    const client = {
      workflow: {
        getHandle: () => ({
          query: async () => {
            seen.queries++;
            return { variables };
          },
        }),
      },
    } as unknown as Client;
    const createCall = createCallFactory({
      client,
      prisma,
      stt: {} as SpeechToText,
      llm: {} as LanguageModel,
      tts: () => ({}) as TextToSpeech,
      logger: captureLogger().logger,
      createSession: (deps) => {
        seen.sessions.push(deps);
        return {} as CallSession;
      },
    });
    return { seen, createCall };
  }

  const stream = (callSid: string) => ({
    callSid,
    streamSid: `MZ${callSid}`,
    send: () => {},
    hangUp: () => {},
  });
  const writeRecordLater = (callSid: string, direction: 'inbound' | 'outbound', ms: number) =>
    new Promise<void>((resolve, reject) =>
      setTimeout(() => {
        prisma.call
          .create({
            data: {
              callSid,
              direction,
              from: '+14155550123',
              to: '+14155550100',
              status: 'in_progress',
              agentId,
            },
          })
          .then(() => resolve(), reject);
      }, ms),
    );

  it('starts an inbound call once its record appears, without asking the workflow', async () => {
    const { seen, createCall } = factory();
    const written = writeRecordLater('CAlateinbound', 'inbound', 300);
    const call = await createCall(stream('CAlateinbound'));
    await written;
    expect(call.session).toBeDefined();
    expect(seen.queries).toBe(0);
    expect(seen.sessions).toHaveLength(1);
    expect(seen.sessions[0]?.config.greeting).toBe('Hello the caller!');
    await call.release();
  });

  it("asks the workflow once for an outbound call's prompt variables", async () => {
    const { seen, createCall } = factory({ customer_name: 'Grace' });
    const written = writeRecordLater('CAlateoutbound', 'outbound', 100);
    const call = await createCall(stream('CAlateoutbound'));
    await written;
    expect(seen.queries).toBe(1);
    expect(seen.sessions[0]?.config.greeting).toBe('Hello Grace!');
    await call.release();
  });
});
