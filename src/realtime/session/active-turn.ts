/**
 * Starting and closing the books on one stretch of agent speech. Finalising is where "only what
 * was heard" is enforced: history messages are revised to the heard text and the TurnRecord
 * carries both what was generated and what was heard.
 */
import { createLatencyTracker, type LatencyTracker } from './latency.ts';
import { type ActiveTurn, type SessionCore, type TurnKind, track } from './session-core.ts';
import { OFF_THE_RECORD } from './speaker.ts';
import type { TurnRecord } from './types.ts';

export function recordTurn(core: SessionCore, turn: Omit<TurnRecord, 'sequence'>): void {
  core.sequence++;
  core.stats.turns++;
  handOver(core, { sequence: core.sequence, ...turn });
}

/**
 * Like recordTurn, but hands the record to the sink on the next turn of the event loop. For the
 * caller's turn, which is recorded just as the LLM request is being built: the sink's synchronous
 * work (the database write it starts, metrics) would otherwise run between the SDK's awaits and
 * hold the request back by a millisecond or more. The sequence is taken now, so order holds, and
 * the hand-over is session work, so stop() waits for it.
 */
export function recordTurnSoon(core: SessionCore, turn: Omit<TurnRecord, 'sequence'>): void {
  core.sequence++;
  core.stats.turns++;
  const record: TurnRecord = { sequence: core.sequence, ...turn };
  track(core, new Promise<void>((resolve) => setImmediate(() => resolve(handOver(core, record)))));
}

function handOver(core: SessionCore, record: TurnRecord): void {
  try {
    core.deps.turns.record(record);
  } catch (error) {
    // The sink owns its storage errors; a throwing sink must not take the call down.
    core.deps.logger.warn({ err: error }, 'turn sink threw');
  }
}

export function beginTurn(core: SessionCore, kind: TurnKind, latency?: LatencyTracker): ActiveTurn {
  const { clock } = core.deps;
  const tracker = latency ?? createLatencyTracker(clock, clock.now());
  const controller = new AbortController();
  const reply = core.speaker.createReply(controller.signal, {
    onFirstByte: () => tracker.mark('ttsFirstByte'),
    onFirstFrame: () => {
      tracker.mark('firstFrame');
      if (core.machine.is('thinking')) core.machine.transition('speaking');
    },
  });
  const turn: ActiveTurn = {
    kind,
    controller,
    reply,
    latency: tracker,
    rounds: new Map(),
    toolCalls: [],
    finalized: false,
  };
  core.current = turn;
  return turn;
}

/** Says a fixed line that belongs in the history (greeting, re-prompt) as its own turn. */
export function beginScriptedTurn(core: SessionCore, kind: TurnKind, text: string): ActiveTurn {
  const turn = beginTurn(core, kind);
  turn.reply.say(text, 0);
  turn.rounds.set(0, core.conversation.addAssistant(text));
  turn.reply.finish();
  return turn;
}

/** Idempotent. Call once the reply has settled (heard, cut or failed). */
export function finalizeTurn(core: SessionCore, turn: ActiveTurn, interrupted: boolean): void {
  if (turn.finalized) return;
  turn.finalized = true;
  turn.controller.abort();
  if (core.current === turn) core.current = undefined;
  const { reply } = turn;
  for (const group of reply.groups()) {
    if (group === OFF_THE_RECORD) continue;
    const heard = reply.heardText(group);
    const ref = turn.rounds.get(group);
    if (ref) core.conversation.revise(ref, heard);
    // A round cut while the LLM was still writing never reached the history; add what was heard.
    else if (heard) core.conversation.addAssistant(heard);
  }
  const generatedText = reply.generatedText();
  if (!generatedText && turn.toolCalls.length === 0) return;
  recordTurn(core, {
    role: 'assistant',
    generatedText,
    heardText: reply.heardText(),
    interrupted,
    latency: turn.latency.snapshot(),
    ...(turn.toolCalls.length > 0 ? { toolCalls: turn.toolCalls } : {}),
  });
}

/** Cuts the current turn short (barge-in, a newer user turn, the call ending). */
export function interruptCurrent(core: SessionCore): boolean {
  const turn = core.current;
  if (!turn || turn.finalized) return false;
  const wasPlaying = turn.reply.playing;
  if (wasPlaying) turn.reply.interrupt();
  else turn.reply.abandon();
  finalizeTurn(core, turn, true);
  return wasPlaying;
}
