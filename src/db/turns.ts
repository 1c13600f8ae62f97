import type { TurnRecord } from '../domain/turn.ts';
import type { Logger } from '../logger.ts';
import type { PrismaClient } from './client.ts';
import { orderedIds } from './ids.ts';

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

/**
 * One turn, inserted with raw SQL: the turn writer runs several times per call on the realtime
 * node, and the query builder costs it 1-2 ms of CPU per insert against about 0.4 ms.
 */
async function write(prisma: PrismaClient, callId: string, turn: TurnRecord): Promise<void> {
  const [id] = orderedIds(1);
  const latency = turn.latency;
  const toolCalls = turn.toolCalls === undefined ? null : JSON.stringify(turn.toolCalls);
  await prisma.$executeRaw`
    INSERT INTO turns (id, call_id, sequence, role, generated_text, heard_text, interrupted,
                       stt_final_ms, llm_first_token_ms, tts_first_byte_ms, first_frame_ms, tool_calls)
    VALUES (${id}::uuid, ${callId}::uuid, ${turn.sequence}, ${turn.role}::turn_role,
            ${turn.generatedText ?? null}, ${turn.heardText}, ${turn.interrupted},
            ${roundMs(latency?.sttFinalMs)}, ${roundMs(latency?.llmFirstTokenMs)},
            ${roundMs(latency?.ttsFirstByteMs)}, ${roundMs(latency?.firstFrameMs)}, ${toolCalls}::jsonb)
    ON CONFLICT (call_id, sequence) DO NOTHING`;
}

function roundMs(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value);
}
