/**
 * What bench:turn measures inside the realtime node, wherever that node runs (this process or
 * bench/lib/turn-node.ts): per call session, the STT hop of each speechFinal and the latency
 * figures of each LLM-answered assistant turn, with the turn's text so the benchmark can find the
 * delays the simulated vendors actually injected for that very reply.
 */
import type { SpeechToText, SttStream } from '../../src/providers/ports.ts';
import type { CallSession, CallSessionDeps, TurnRecord } from '../../src/realtime/session/types.ts';

const FRAME_MS = 20;
const FRAME_BYTES = 160;

export interface ProbedTurn {
  latency: NonNullable<TurnRecord['latency']>;
  /** What the LLM generated; the simulators record the same text with their actual delays. */
  text: string;
}

export interface SessionProbe {
  /** performance.now() ms from the frame completing the endpointing silence to the speechFinal. */
  hops: number[];
  turns: ProbedTurn[];
}

export interface TurnProbe {
  wrapSession(deps: CallSessionDeps, create: (deps: CallSessionDeps) => CallSession): CallSession;
  /** The sessions probed since the last take, and starts over. */
  take(): SessionProbe[];
}

export function createTurnProbe(): TurnProbe {
  let sessions: SessionProbe[] = [];
  return {
    wrapSession(deps, create) {
      const mine: SessionProbe = { hops: [], turns: [] };
      sessions.push(mine);
      return create({
        ...deps,
        stt: timedStt(deps.stt, mine.hops),
        turns: {
          record(turn) {
            // LLM-answered turns only: the greeting and other scripted lines have no first token.
            if (turn.role === 'assistant' && turn.latency?.llmFirstTokenMs !== undefined)
              mine.turns.push({ latency: turn.latency, text: turn.generatedText ?? '' });
            deps.turns.record(turn);
          },
        },
      });
    },
    take() {
      const taken = sessions;
      sessions = [];
      return taken;
    },
  };
}

/**
 * Wraps the session's STT port: times when each 20 ms frame is handed to the adapter and, when a
 * speechFinal transcript arrives, how long after the frame that completed the endpointing silence
 * (the simulated recogniser is audio-driven: the result's start + duration is that frame's end).
 */
function timedStt(stt: SpeechToText, hops: number[]): SpeechToText {
  return {
    name: stt.name,
    async open(options, onEvent) {
      const sentAt: number[] = [];
      let bytes = 0;
      const stream: SttStream = await stt.open(options, (event) => {
        if (event.type === 'transcript' && event.speechFinal && event.durationMs !== undefined) {
          const frame = Math.round(((event.startMs ?? 0) + event.durationMs) / FRAME_MS) - 1;
          const at = sentAt[frame];
          if (at !== undefined) hops.push(performance.now() - at);
        }
        onEvent(event);
      });
      return {
        sendAudio(mulaw) {
          const now = performance.now();
          const first = Math.floor(bytes / FRAME_BYTES);
          bytes += mulaw.length;
          for (let f = first; f < Math.floor(bytes / FRAME_BYTES); f++) sentAt[f] = now;
          stream.sendAudio(mulaw);
        },
        finalize: () => stream.finalize(),
        close: () => stream.close(),
      };
    },
  };
}
