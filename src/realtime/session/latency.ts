/**
 * Per-turn latency, all from the injected clock and all measured from one anchor: the STT event
 * that ended the caller's turn (speechFinal or utterance-end), or the DTMF entry.
 *
 * `sttFinalMs` is the exception, measured backwards: how long after the caller's last word the
 * turn-ending event arrived (endpointing plus STT delay). The last word's end comes from the
 * transcript's audio timing, mapped to the clock through the moment the stream's first byte was
 * sent, so it is an estimate that assumes caller audio reaches STT in real time.
 */
import type { SessionClock, TurnRecord } from './types.ts';

export type LatencyStage = 'llmFirstToken' | 'ttsFirstByte' | 'firstFrame';

export interface LatencyTracker {
  /** Records the first time a stage is reached; later calls are ignored. */
  mark(stage: LatencyStage): void;
  snapshot(): NonNullable<TurnRecord['latency']>;
}

export function createLatencyTracker(
  clock: SessionClock,
  anchorAt: number,
  speechEndAt?: number,
): LatencyTracker {
  const reached = new Map<LatencyStage, number>();
  return {
    mark(stage) {
      if (!reached.has(stage)) reached.set(stage, clock.now() - anchorAt);
    },
    snapshot() {
      const latency: NonNullable<TurnRecord['latency']> = {};
      if (speechEndAt !== undefined && anchorAt >= speechEndAt) latency.sttFinalMs = anchorAt - speechEndAt;
      const first = reached.get('llmFirstToken');
      if (first !== undefined) latency.llmFirstTokenMs = first;
      const byte = reached.get('ttsFirstByte');
      if (byte !== undefined) latency.ttsFirstByteMs = byte;
      const frame = reached.get('firstFrame');
      if (frame !== undefined) latency.firstFrameMs = frame;
      return latency;
    },
  };
}
