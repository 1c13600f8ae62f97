/**
 * Every way a call ends goes through here, so every path releases the same resources: timers,
 * the in-flight turn (LLM, TTS, tools), the STT stream and the outbound audio.
 */
import { beginTurn, finalizeTurn, interruptCurrent } from './active-turn.ts';
import type { SessionCore } from './session-core.ts';
import { OFF_THE_RECORD } from './speaker.ts';

/**
 * How long a closing line may take to be confirmed by its mark. Twilio echoes a mark as soon as
 * the audio before it plays, so this only fires when the media stream is already gone, and then
 * it stops the call from hanging on forever.
 */
export const CLOSING_LINE_TIMEOUT_MS = 20_000;

/** Releases everything. Idempotent; does not call onEnd (see endSession). */
export async function teardown(core: SessionCore): Promise<void> {
  if (core.tornDown) return;
  core.tornDown = true;
  core.timers.clearAll();
  const turn = core.current;
  if (turn && !turn.finalized) {
    turn.reply.abandon();
    finalizeTurn(core, turn, true);
  }
  if (!core.machine.is('ended')) core.machine.transition('ended');
  core.deps.audio.close();
  await core.stt.close();
}

/** The session decided the call is over: release everything and tell the transport. */
export async function endSession(core: SessionCore, reason: string): Promise<void> {
  if (core.tornDown) return;
  core.deps.logger.info({ reason }, 'call session ending');
  const released = teardown(core);
  try {
    core.deps.onEnd(reason);
  } catch (error) {
    core.deps.logger.error({ err: error }, 'onEnd threw');
  }
  await released;
}

/**
 * Says a last line (goodbye, apology) and ends. With `keepCurrent`, the line follows what the
 * current reply is saying (an end-call tool's final words); otherwise the current turn is cut.
 */
export async function endWithLine(
  core: SessionCore,
  text: string,
  reason: string,
  keepCurrent = false,
): Promise<void> {
  if (core.tornDown || core.machine.is('ending', 'ended')) return;
  const kept = keepCurrent && core.current && !core.current.reply.settled ? core.current : undefined;
  if (!kept) interruptCurrent(core);
  core.machine.transition('ending');
  const turn = kept ?? beginTurn(core, 'closing');
  turn.reply.say(text, OFF_THE_RECORD);
  turn.reply.finish();
  core.timers.set('closing-line', CLOSING_LINE_TIMEOUT_MS, () => turn.reply.abandon());
  const outcome = await turn.reply.done;
  if (core.tornDown) return;
  core.timers.clear('closing-line');
  finalizeTurn(core, turn, outcome.kind !== 'heard');
  await endSession(core, reason);
}
