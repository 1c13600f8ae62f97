import { ApplicationFailure, Context } from '@temporalio/activity';
import { type Prisma, type PrismaClient, Prisma as PrismaNs } from '../db/client.ts';
import {
  type AnalysisFieldSpec,
  type AnalysisResult,
  type CallAnalysis,
  type CallOutcome,
  callAnalysisSchema,
  outcomeFromCall,
} from '../domain/call-analysis.ts';
import { ProviderError } from '../domain/errors.ts';
import type { Logger } from '../logger.ts';
import type { AnalysisTurn, CallAnalyzer } from '../providers/ports.ts';

export interface PostCallActivityDeps {
  prisma: PrismaClient;
  logger: Logger;
  /** Absent when no language model is wired: analyses are then recorded as failed, with why. */
  callAnalyzer?: CallAnalyzer;
  analysis?: AnalysisSettings;
}

export interface AnalysisSettings {
  /** Extra structured fields extracted from every call. */
  fields: AnalysisFieldSpec[];
  /** Answers asked for (with the previous error as feedback) before the analysis is recorded failed. */
  maxAnswerAttempts: number;
}

const DEFAULT_SETTINGS: AnalysisSettings = { fields: [], maxAnswerAttempts: 3 };

export interface StoredSummary {
  summaryId: string;
  status: 'ok' | 'failed';
  outcome: CallOutcome;
}

export function createPostCallActivities(deps: PostCallActivityDeps) {
  const settings = deps.analysis ?? DEFAULT_SETTINGS;
  return {
    /**
     * The analysis version this run will store: the first free one, or the requested one if it
     * is free (a re-run naming a taken version is refused before anything is written).
     * Read-only, so a retry is harmless.
     */
    async nextSummaryVersion(input: { callId: string; version?: number }): Promise<number> {
      await requireCall(deps.prisma, input.callId);
      const latest = await deps.prisma.callSummary.aggregate({
        where: { callId: input.callId },
        _max: { version: true },
      });
      const next = (latest._max.version ?? 0) + 1;
      if (input.version === undefined) return next;
      if (!Number.isInteger(input.version) || input.version < 1) {
        throw ApplicationFailure.nonRetryable(
          `version must be a positive integer, not ${input.version}`,
          'BadVersion',
        );
      }
      const taken = await deps.prisma.callSummary.findUnique({
        where: { callId_version: { callId: input.callId, version: input.version } },
      });
      if (taken) {
        throw ApplicationFailure.nonRetryable(
          `call ${input.callId} already has analysis version ${input.version}; the next free one is ${next}`,
          'BadVersion',
        );
      }
      return input.version;
    },

    /**
     * Asks the model for the analysis and validates it; an invalid answer is asked again (with
     * the reason) up to `maxAnswerAttempts` times, then comes back as a failure to record.
     * Transient vendor errors throw, so Temporal retries them with backoff.
     */
    async analyzeCall(input: { callId: string }): Promise<AnalysisResult> {
      const call = await requireCall(deps.prisma, input.callId);
      const transcript = await loadTranscript(deps.prisma, input.callId);
      // Nothing was said (no answer, busy, hung up at once): nothing for a model to read.
      if (transcript.length === 0) return { ok: true, analysis: silentCall(call.outcome, settings.fields) };
      if (!deps.callAnalyzer)
        return { ok: false, reason: 'no language model is configured for call analysis' };
      const schema = callAnalysisSchema(settings.fields);
      const context = {
        direction: call.direction,
        startedAt: call.startedAt.toISOString(),
        endedAt: call.endedAt?.toISOString(),
      };
      let previousError: string | undefined;
      for (let attempt = 1; attempt <= settings.maxAnswerAttempts; attempt++) {
        Context.current().heartbeat({ attempt });
        const answer = await ask(deps.callAnalyzer, {
          transcript,
          fields: settings.fields,
          context,
          previousError,
        });
        const checked = validateAnswer(schema, answer);
        if (checked.ok) return checked;
        previousError = checked.reason;
        deps.logger.warn({ callId: input.callId, attempt, reason: checked.reason }, 'invalid call analysis');
      }
      return {
        ok: false,
        reason: `no valid answer after ${settings.maxAnswerAttempts} attempts; last: ${previousError}`,
      };
    },

    /**
     * Stores one analysis version and files the call under its outcome. Idempotent: a retry
     * after the insert committed finds the row and returns it.
     */
    async storeCallSummary(input: {
      callId: string;
      version: number;
      result: AnalysisResult;
    }): Promise<StoredSummary> {
      const call = await requireCall(deps.prisma, input.callId);
      const r = input.result;
      const outcome = r.ok ? r.analysis.outcome : outcomeFromCall(call.outcome);
      const data: Prisma.CallSummaryUncheckedCreateInput = r.ok
        ? {
            callId: input.callId,
            version: input.version,
            status: 'ok',
            summary: r.analysis.summary,
            sentiment: r.analysis.sentiment,
            outcome,
            actionItems: r.analysis.actionItems,
            structuredFields: r.analysis.fields,
          }
        : {
            callId: input.callId,
            version: input.version,
            status: 'failed',
            failureReason: r.reason.slice(0, 2000),
          };
      try {
        const row = await deps.prisma.$transaction(async (tx) => {
          const created = await tx.callSummary.create({ data });
          // Refines the call's tool/telephony outcome; a failed analysis leaves it as it was.
          if (r.ok) await tx.call.update({ where: { id: input.callId }, data: { outcome } });
          return created;
        });
        return { summaryId: row.id, status: row.status, outcome };
      } catch (error) {
        if (!(error instanceof PrismaNs.PrismaClientKnownRequestError) || error.code !== 'P2002') throw error;
        const row = await deps.prisma.callSummary.findUniqueOrThrow({
          where: { callId_version: { callId: input.callId, version: input.version } },
        });
        const storedOutcome = (row.outcome as CallOutcome | null) ?? outcomeFromCall(call.outcome);
        return { summaryId: row.id, status: row.status, outcome: storedOutcome };
      }
    },

    /** Active appointments the call booked, plus those it rescheduled (known to the call workflow). */
    async appointmentsToRemind(input: { callId: string; appointmentIds: string[] }): Promise<string[]> {
      const rows = await deps.prisma.appointment.findMany({
        where: {
          status: { not: 'cancelled' },
          OR: [{ createdByCallId: input.callId }, { id: { in: input.appointmentIds } }],
        },
        select: { id: true },
        orderBy: { startsAt: 'asc' },
      });
      return rows.map((r) => r.id);
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function requireCall(prisma: PrismaClient, callId: string) {
  // Not a uuid would make Postgres refuse the query, retried forever; it is simply no call.
  const call = UUID.test(callId) ? await prisma.call.findUnique({ where: { id: callId } }) : null;
  if (!call) throw ApplicationFailure.nonRetryable(`call ${callId} does not exist`, 'CallNotFound');
  return call;
}

/** What each side actually heard, in order; tool and system turns are not conversation. */
async function loadTranscript(prisma: PrismaClient, callId: string): Promise<AnalysisTurn[]> {
  const turns = await prisma.turn.findMany({
    where: { callId, role: { in: ['user', 'assistant'] } },
    orderBy: { sequence: 'asc' },
    select: { role: true, heardText: true },
  });
  return turns
    .filter((t) => t.heardText.trim() !== '')
    .map((t) => ({ speaker: t.role === 'user' ? 'caller' : 'agent', text: t.heardText }));
}

function silentCall(callOutcome: string | null, fields: AnalysisFieldSpec[]): CallAnalysis {
  return {
    summary: 'No conversation took place.',
    sentiment: 'neutral',
    outcome: outcomeFromCall(callOutcome),
    actionItems: [],
    fields: Object.fromEntries(fields.map((f) => [f.name, null])),
  };
}

async function ask(analyzer: CallAnalyzer, request: Parameters<CallAnalyzer['analyze']>[0]) {
  try {
    return await analyzer.analyze({ ...request, signal: Context.current().cancellationSignal });
  } catch (error) {
    // Auth and bad requests will fail the same way every time: record the failure instead.
    if (error instanceof ProviderError && !error.retryable) {
      throw ApplicationFailure.nonRetryable(error.message, 'AnalysisProviderRejected');
    }
    throw error;
  }
}

function validateAnswer(
  schema: ReturnType<typeof callAnalysisSchema>,
  answer: { content: string | null; refusal?: string },
): AnalysisResult {
  if (answer.refusal) return { ok: false, reason: `model refused: ${answer.refusal.slice(0, 300)}` };
  if (!answer.content) return { ok: false, reason: 'empty answer' };
  let json: unknown;
  try {
    json = JSON.parse(answer.content);
  } catch {
    return { ok: false, reason: `answer is not JSON: ${answer.content.slice(0, 120)}` };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, analysis: parsed.data };
  const issue = parsed.error.issues[0];
  return {
    ok: false,
    reason: `answer does not match the schema: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
  };
}
