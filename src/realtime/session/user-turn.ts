/**
 * What happens after the caller finished speaking: record their words, think, speak, and land
 * back in listening (or end the call, when a tool or repeated failures say so).
 */
import { beginScriptedTurn, beginTurn, finalizeTurn, recordTurnSoon } from './active-turn.ts';
import { runAssistantTurn } from './assistant-turn.ts';
import { endSession, endWithLine } from './ending.ts';
import type { LatencyTracker } from './latency.ts';
import type { ActiveTurn, SessionCore } from './session-core.ts';
import { OFF_THE_RECORD } from './speaker.ts';

/** Two LLM failures in a row end the call: a third apology helps nobody. */
const MAX_LLM_FAILURES = 2;

export async function runUserTurn(core: SessionCore, text: string, latency: LatencyTracker): Promise<void> {
  const { config } = core.deps;
  recordTurnSoon(core, { role: 'user', heardText: text, interrupted: false });
  core.conversation.addUser(text);
  core.silencePhase = 0;
  core.machine.transition('thinking');
  const turn = beginTurn(core, 'reply', latency);
  const outcome = await runAssistantTurn(core, turn);
  if (turn.finalized || core.tornDown) return;
  switch (outcome.kind) {
    case 'aborted':
      return;
    case 'transferred':
      // Twilio has taken the call elsewhere; a goodbye would never be heard.
      return endSession(core, 'transferred');
    case 'end-call':
      return endWithLine(core, config.goodbyeText, 'end-call', true);
    case 'llm-failed':
      core.llmFailures++;
      if (core.llmFailures >= MAX_LLM_FAILURES)
        return endWithLine(core, config.apologyText, 'llm-failed', true);
      turn.reply.say(config.apologyText, OFF_THE_RECORD);
      break;
    case 'done':
      core.llmFailures = 0;
      break;
  }
  turn.reply.finish();
  await completeReply(core, turn);
}

/** Waits for the caller to hear the reply, then records it and listens again. */
export async function completeReply(core: SessionCore, turn: ActiveTurn): Promise<void> {
  const outcome = await turn.reply.done;
  if (turn.finalized || core.tornDown) return;
  if (outcome.kind === 'failed') {
    finalizeTurn(core, turn, true);
    return endSession(core, 'tts-failed');
  }
  finalizeTurn(core, turn, outcome.kind === 'cut');
  if (!core.machine.is('ending', 'ended')) core.machine.transition('listening');
}

/** A fixed line (greeting, re-prompt) as its own turn, then back to listening. */
export function speakScripted(core: SessionCore, kind: 'greeting' | 'reprompt', text: string): Promise<void> {
  const turn = beginScriptedTurn(core, kind, text);
  return completeReply(core, turn);
}
