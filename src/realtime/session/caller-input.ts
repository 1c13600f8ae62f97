/**
 * Everything the caller does: speech (via STT events), silence and key presses. Decides between
 * "the caller finished a turn", "the caller is interrupting" and "that was only a backchannel".
 */

import type { SttEvent } from '../../providers/ports.ts';
import { interruptCurrent } from './active-turn.ts';
import { endWithLine } from './ending.ts';
import { createLatencyTracker, type LatencyTracker } from './latency.ts';
import { type SessionCore, track } from './session-core.ts';
import type { TurnEnd } from './turn-taking.ts';
import { runUserTurn, speakScripted } from './user-turn.ts';

/** Multi-digit entries ("1", "2", "3") arrive one by one; wait this long for the next digit. */
export const DTMF_DEBOUNCE_MS = 1000;

export interface CallerInput {
  onSttEvent(event: SttEvent): void;
  onDtmf(digit: string): void;
  /** (Re)starts the silence countdown; called on entering listening and on caller speech. */
  armSilence(): void;
}

export function createCallerInput(core: SessionCore): CallerInput {
  const { clock, config } = core.deps;
  let digits = '';

  /** Agent audio is out there, queued or playing, and not yet confirmed heard. */
  function agentTalking(): boolean {
    const turn = core.current;
    return !!turn && !turn.finalized && turn.kind !== 'closing' && turn.reply.playing;
  }

  function bargeIn(): void {
    core.timers.clear('barge-in-check');
    if (!interruptCurrent(core)) return;
    core.stats.bargeIns++;
    core.deps.logger.info({ bargeIns: core.stats.bargeIns }, 'caller barged in');
    core.machine.transition('listening');
  }

  function checkBargeIn(): void {
    if (!config.bargeIn.enabled || !agentTalking() || core.machine.is('ending', 'ended')) return;
    const verdict = core.turnTaking.interruption(clock.now());
    if (verdict.due) bargeIn();
    // Words, but too short so far: look again once they could have lasted minSpeechMs.
    else if (verdict.retryInMs !== undefined)
      core.timers.set('barge-in-check', verdict.retryInMs, checkBargeIn);
  }

  function startUserTurn(text: string, latency: LatencyTracker): void {
    core.timers.clear('barge-in-check');
    if (core.current) {
      // A newer user turn supersedes whatever the agent was preparing or saying.
      if (interruptCurrent(core)) core.stats.bargeIns++;
      core.machine.transition('listening');
    }
    track(core, runUserTurn(core, text, latency));
  }

  function onTurnEnd(end: TurnEnd): void {
    const now = clock.now();
    const origin = core.stt.audioOriginAt;
    const speechEndAt =
      origin !== undefined && end.lastWordEndMs !== undefined ? origin + end.lastWordEndMs : undefined;
    if (agentTalking()) {
      const interrupts =
        config.bargeIn.enabled && !end.backchannel && end.spokenMs >= config.bargeIn.minSpeechMs;
      if (!interrupts) return; // "mhm" while the agent talks means "go on", not a new turn
    } else if (core.current && end.backchannel) return; // "yeah" while the agent thinks adds nothing
    startUserTurn(end.text, createLatencyTracker(clock, now, speechEndAt));
  }

  function onSilence(): void {
    if (!core.machine.is('listening')) return;
    if (core.silencePhase === 0 && config.repromptText.trim()) {
      core.silencePhase = 1;
      core.machine.transition('speaking');
      track(core, speakScripted(core, 'reprompt', config.repromptText));
      return;
    }
    track(core, endWithLine(core, config.goodbyeText, 'silence'));
  }

  function flushDigits(): void {
    core.timers.clear('dtmf');
    if (!digits || core.tornDown || core.machine.is('ending', 'ended', 'connecting')) return;
    const spoken = core.turnTaking.takePending();
    const text = `${spoken ? `${spoken} ` : ''}The caller pressed ${digits}.`;
    digits = '';
    startUserTurn(text, createLatencyTracker(clock, clock.now()));
  }

  return {
    onSttEvent(event) {
      if (core.tornDown) return;
      const end = core.turnTaking.handle(event, clock.now());
      if (core.machine.is('ending', 'ended', 'connecting')) return;
      if (core.turnTaking.hasWords(event) && core.machine.is('listening')) armSilence();
      if (end) return onTurnEnd(end);
      if (core.turnTaking.hasWords(event)) checkBargeIn();
    },
    onDtmf(digit) {
      if (core.tornDown || core.machine.is('ending', 'ended')) return;
      if (core.machine.is('listening')) armSilence();
      if (digit === '#') {
        digits ||= '#';
        return flushDigits();
      }
      digits += digit;
      core.timers.set('dtmf', DTMF_DEBOUNCE_MS, flushDigits);
    },
    armSilence,
  };

  function armSilence(): void {
    const ms = core.silencePhase === 0 ? config.silenceRepromptMs : config.silenceHangupMs;
    core.timers.set('silence', ms, onSilence);
  }
}
