/**
 * Wiring only: builds the session's parts from injected ports and routes transport events to
 * them. The behaviour lives in the modules it imports (see README-style notes at their tops).
 *
 * Lifecycle: start() opens STT (caller audio before that is buffered, up to 1 s — see
 * stt-link.ts), starts the greeting and resolves without waiting for it to play. The session
 * ends itself through deps.onEnd(reason) (silence, max-duration, end-call, transferred,
 * stt-failed, llm-failed, tts-failed); stop(reason) is the transport ending it, so it does not
 * call onEnd. Both release every timer, stream and in-flight request.
 */
import { createCallerInput } from './caller-input.ts';
import { createConversation } from './conversation.ts';
import { endWithLine, teardown } from './ending.ts';
import { type SessionCore, track } from './session-core.ts';
import { createSpeaker } from './speaker.ts';
import { createStateMachine } from './state-machine.ts';
import { createSttLink } from './stt-link.ts';
import { createTimerSet } from './timers.ts';
import { createTurnTaking } from './turn-taking.ts';
import type { CallSession, CallSessionDeps, CallSessionOptions, SessionState } from './types.ts';
import { speakScripted } from './user-turn.ts';

export function createCallSession(deps: CallSessionDeps, options: CallSessionOptions = {}): CallSession {
  const { config, clock, logger } = deps;
  // Filled in below: the state machine's hook needs the caller-input module, which needs core.
  let armSilence = (): void => undefined;
  const onStateChange = (from: SessionState, to: SessionState): void => {
    // Silence only counts while we wait for the caller; any other state stops the countdown.
    if (to === 'listening') armSilence();
    else core.timers.clear('silence');
    logger.debug({ from, to }, 'session state');
    deps.onStateChange?.(from, to);
  };
  const core: SessionCore = {
    deps,
    machine: createStateMachine({
      strict: options.strictTransitions ?? false,
      logger,
      onChange: onStateChange,
    }),
    timers: createTimerSet(clock),
    conversation: createConversation(config.systemPrompt, config.maxHistoryMessages),
    speaker: createSpeaker({
      tts: deps.tts,
      audio: deps.audio,
      voiceId: config.voiceId,
      language: config.language,
      logger,
      ...(config.ttsModel === undefined ? {} : { model: config.ttsModel }),
    }),
    turnTaking: createTurnTaking(config.bargeIn),
    stt: createSttLink({
      stt: deps.stt,
      options: config.stt,
      clock,
      logger,
      onEvent: (event) => input.onSttEvent(event),
      onFatal: (error) => {
        logger.error({ err: error }, 'speech recognition lost');
        track(core, endWithLine(core, config.apologyText, 'stt-failed'));
      },
    }),
    current: undefined,
    sequence: 0,
    stats: { turns: 0, bargeIns: 0 },
    llmFailures: 0,
    silencePhase: 0,
    tornDown: false,
    work: new Set(),
  };
  const input = createCallerInput(core);
  armSilence = input.armSilence;
  let started = false;

  async function start(): Promise<void> {
    if (started) throw new Error('call session already started');
    started = true;
    core.timers.set('max-duration', config.maxDurationMs, () => {
      logger.info({ maxDurationMs: config.maxDurationMs }, 'call reached its maximum duration');
      track(core, endWithLine(core, config.goodbyeText, 'max-duration'));
    });
    try {
      await core.stt.open();
    } catch (error) {
      if (core.tornDown) return;
      logger.error({ err: error }, 'speech recognition could not start');
      // Without STT the agent can only apologise; it must not sit in silence.
      track(core, endWithLine(core, config.apologyText, 'stt-failed'));
      return;
    }
    if (core.tornDown) return;
    if (!config.greeting.trim()) {
      core.machine.transition('listening');
      return;
    }
    core.machine.transition('greeting');
    track(core, speakScripted(core, 'greeting', config.greeting));
  }

  async function stop(reason: string): Promise<void> {
    logger.info({ reason }, 'call session stopped');
    await teardown(core);
    // Whatever was in flight was aborted by teardown; wait for it to unwind.
    await Promise.allSettled([...core.work]);
  }

  return {
    start,
    stop,
    onAudio: (mulaw) => core.stt.send(mulaw),
    onMark: (name) => {
      if (!core.tornDown) core.speaker.onMark(name);
    },
    onDtmf: (digit) => input.onDtmf(digit),
    get state() {
      return core.machine.state;
    },
    get stats() {
      const switches = (deps.tts as { switches?: unknown }).switches;
      return {
        turns: core.stats.turns,
        bargeIns: core.stats.bargeIns,
        ...(typeof switches === 'number' ? { ttsSwitches: switches } : {}),
      };
    },
  };
}
