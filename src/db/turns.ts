import type { TurnRecord } from '../domain/turn.ts';
import type { Logger } from '../logger.ts';
import type { Prisma, PrismaClient } from './client.ts';

/**
 * Writes a call's turns as they happen, in order, off the audio path: the session hands a turn
 * over and moves on. Writes are chained so sequence order holds; a retried write of the same
 * (call, sequence) is ignored by the unique index rather than duplicated.
 */
export function createTurnWriter(prisma: PrismaClient, callId: string, logger: Logger) {
  let chain: Promise<void> = Promise.resolve();
  return {
    record(turn: TurnRecord): void {
      chain = chain
        .then(() => write(prisma, callId, turn))
        .catch((err: unknown) => {
          logger.error({ err, callId, sequence: turn.sequence }, 'could not store a turn');
        });
    },
    /** Resolves when every turn handed over so far is stored (or failed and was logged). */
    flush(): Promise<void> {
      return chain;
    },
  };
}

async function write(prisma: PrismaClient, callId: string, turn: TurnRecord): Promise<void> {
  const data: Prisma.TurnUncheckedCreateInput = {
    callId,
    sequence: turn.sequence,
    role: turn.role,
    generatedText: turn.generatedText,
    heardText: turn.heardText,
    interrupted: turn.interrupted,
    sttFinalMs: roundMs(turn.latency?.sttFinalMs),
    llmFirstTokenMs: roundMs(turn.latency?.llmFirstTokenMs),
    ttsFirstByteMs: roundMs(turn.latency?.ttsFirstByteMs),
    firstFrameMs: roundMs(turn.latency?.firstFrameMs),
    toolCalls: turn.toolCalls,
  };
  await prisma.turn.createMany({ data: [data], skipDuplicates: true });
}

function roundMs(value: number | undefined): number | undefined {
  return value === undefined ? undefined : Math.round(value);
}
