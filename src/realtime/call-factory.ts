import type { Client } from '@temporalio/client';
import type { Agent, PrismaClient } from '../db/client.ts';
import { createTurnWriter } from '../db/turns.ts';
import type { CallState } from '../domain/call.ts';
import { renderTemplate } from '../domain/template.ts';
import type { Logger } from '../logger.ts';
import type { LanguageModel, SpeechToText, TextToSpeech } from '../providers/ports.ts';
import { callStateQuery, callWorkflowId } from '../workflows/call/contract.ts';
import type { CallMetrics } from './call-metrics.ts';
import { createCallTools } from './call-tools.ts';
import { createOutboundAudio } from './media/outbound-audio.ts';
import type { MediaCall, StartedStream } from './media-socket.ts';
import type { CallSession, CallSessionConfig, CallSessionDeps } from './session/types.ts';

export interface CallFactoryDeps {
  client: Client;
  prisma: PrismaClient;
  stt: SpeechToText;
  llm: LanguageModel;
  tts: (onSwitch?: () => void) => TextToSpeech;
  metrics?: CallMetrics;
  logger: Logger;
  /** Builds the session from its parts; injected so this module stays free of session internals. */
  createSession: (deps: CallSessionDeps) => CallSession;
  businessName?: string;
  tuning?: Partial<CallSessionConfig>;
}

/**
 * How long to wait for the call workflow's first activity to create the call record. Generous:
 * when many calls start at once the workers are busy, and giving up drops a live call (measured:
 * 4 of 200 calls arriving within a second on a saturated 2-core machine missed 15 s).
 */
const CALL_RECORD_WAIT_MS = 45_000;
/** Each look is one primary-key read of Postgres; the wait backs off to this. */
const CALL_RECORD_POLL_MS = { first: 25, max: 250 };

/** Turns a verified media stream into a call session configured from the call's agent. */
export function createCallFactory(deps: CallFactoryDeps) {
  return async function createCall(stream: StartedStream): Promise<MediaCall> {
    const state = await waitForCallRecord(deps, stream.callSid);
    const agent = await deps.prisma.agent.findUniqueOrThrow({ where: { id: state.agentId as string } });
    const customer = state.customerId
      ? await deps.prisma.customer.findUnique({ where: { id: state.customerId } })
      : null;
    // An outbound call's own variables (campaign + contact) come first.
    const vars = { customer_name: customer?.name, business_name: deps.businessName, ...state.variables };
    const fallbacks = { customer_name: 'the caller', business_name: 'our office' };
    const logger = deps.logger.child({ callSid: stream.callSid, workflowId: callWorkflowId(stream.callSid) });
    const turns = createTurnWriter(deps.prisma, state.callId as string, logger);
    const metrics = deps.metrics;
    const audio = createOutboundAudio({ streamSid: stream.streamSid, send: stream.send });
    const session = deps.createSession({
      stt: deps.stt,
      llm: deps.llm,
      tts: deps.tts(metrics?.ttsFailover),
      audio,
      tools: createCallTools({
        client: deps.client,
        prisma: deps.prisma,
        callSid: stream.callSid,
        agentId: agent.id,
        customerId: state.customerId ?? null,
        enabledTools: agent.enabledTools,
      }),
      turns: metrics ? metrics.wrapTurns(turns) : turns,
      clock: {
        now: () => performance.now(),
        setTimeout,
        clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
      },
      logger,
      config: sessionConfig(agent, (t) => renderTemplate(t, vars, fallbacks), deps.tuning),
      onEnd: (reason) => stream.hangUp(reason),
    });
    metrics?.callStarted();
    return {
      session,
      async release() {
        metrics?.callEnded();
        audio.close();
        await turns.flush();
      },
    };
  };
}

/**
 * The call's record, as the call workflow's first activity wrote it. Read from Postgres rather
 * than by querying the workflow: when many calls start at once the worker is what is slow, and
 * each query would be one more task for it (a busy worker fell further behind under the polling).
 * An outbound call's prompt variables are in the workflow's input: one query once the record is there.
 */
async function waitForCallRecord(
  deps: Pick<CallFactoryDeps, 'client' | 'prisma'>,
  callSid: string,
): Promise<Pick<CallState, 'callId' | 'agentId' | 'customerId' | 'variables'>> {
  const deadline = Date.now() + CALL_RECORD_WAIT_MS;
  for (let pauseMs = CALL_RECORD_POLL_MS.first; ; pauseMs = Math.min(pauseMs * 2, CALL_RECORD_POLL_MS.max)) {
    // Raw SQL: a fraction of the CPU of the query builder's findUnique (0.4 against 0.9-2 ms).
    const [row] = await deps.prisma.$queryRaw<
      { id: string; agent_id: string; customer_id: string | null; direction: 'inbound' | 'outbound' }[]
    >`SELECT id, agent_id, customer_id, direction::text AS direction FROM calls WHERE call_sid = ${callSid}`;
    if (row) {
      const variables =
        row.direction === 'outbound'
          ? (await deps.client.workflow.getHandle(callWorkflowId(callSid)).query(callStateQuery)).variables
          : undefined;
      return { callId: row.id, agentId: row.agent_id, customerId: row.customer_id, variables };
    }
    if (Date.now() > deadline) throw new Error(`call ${callSid} has no call record yet`);
    await new Promise((r) => setTimeout(r, pauseMs));
  }
}

/** A recorded call opens with the disclosure, before anything else is said. */
function greetingLine(agent: Agent, render: (t: string) => string): string {
  const greeting = render(agent.greeting);
  if (!agent.recordCalls) return greeting;
  return [render(agent.recordingDisclosure), greeting].filter((t) => t.trim()).join(' ');
}

function sessionConfig(
  agent: Agent,
  render: (t: string) => string,
  tuning: Partial<CallSessionConfig> = {},
): CallSessionConfig {
  return {
    systemPrompt: render(agent.systemPrompt),
    greeting: greetingLine(agent, render),
    voiceId: agent.voice,
    ttsModel: agent.ttsModel,
    language: agent.language,
    stt: {
      model: agent.sttModel,
      language: agent.language,
      endpointingMs: agent.endpointingMs,
      utteranceEndMs: agent.utteranceEndMs,
      interimResults: true,
    },
    bargeIn: {
      enabled: agent.bargeInEnabled,
      minSpeechMs: agent.bargeInMinSpeechMs,
      backchannels: ['mhm', 'mm-hmm', 'uh-huh', 'yeah', 'yes', 'okay', 'ok', 'right', 'sure'],
    },
    silenceRepromptMs: 8000,
    silenceHangupMs: 8000,
    repromptText: 'Are you still there?',
    goodbyeText: 'Thank you for calling. Goodbye.',
    maxDurationMs: 30 * 60_000,
    maxHistoryMessages: 40,
    fillerAfterMs: 800,
    fillerText: 'One moment please.',
    apologyText: "I'm sorry, I'm having trouble right now. Please call again later.",
    ...tuning,
  };
}
