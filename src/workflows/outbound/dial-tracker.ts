import type { DialDisposition } from '../../db/enums.ts';
import { isTerminalStatus, type TwilioCallStatus } from '../../domain/call.ts';
import type { DialPhase } from './contract.ts';

type Keyed<T> = T & { callSid: string };

/**
 * What the outbound workflow knows about its call, fed by Twilio's progress callbacks, the AMD
 * verdict and the answered call's own workflow. Callbacks can arrive before the dial activity has
 * returned the CallSid (Twilio is fast; a retried dial is slow), so events are kept per CallSid
 * and only those of our call count.
 */
export class DialTracker {
  phase: DialPhase = 'claiming';
  callSid?: string;
  answered = false;
  answeredBy?: string;
  /** The first terminal status Twilio reported; later ones (retries, reordering) are ignored. */
  terminal?: TwilioCallStatus;
  /** The answered call's workflow closed the call with this outcome. */
  callOutcome?: string;
  voicemailHandled = false;
  private readonly early: Keyed<{ status?: TwilioCallStatus; answeredBy?: string; outcome?: string }>[] = [];

  onStatus(event: Keyed<{ status: TwilioCallStatus }>): void {
    if (this.callSid === undefined) this.early.push(event);
    else if (event.callSid === this.callSid) this.applyStatus(event.status);
  }

  onAnsweredBy(event: Keyed<{ answeredBy: string }>): void {
    if (this.callSid === undefined) this.early.push(event);
    else if (event.callSid === this.callSid) this.answeredBy ??= event.answeredBy;
  }

  onCallEnded(event: Keyed<{ outcome: string }>): void {
    if (this.callSid === undefined) this.early.push(event);
    else if (event.callSid === this.callSid) this.endCall(event.outcome);
  }

  /** The dial placed (or found) our call: replay what arrived for it meanwhile. */
  placed(callSid: string): void {
    this.callSid = callSid;
    this.phase = 'ringing';
    for (const event of this.early.splice(0)) {
      if (event.callSid !== callSid) continue;
      if (event.status) this.applyStatus(event.status);
      if (event.answeredBy) this.answeredBy ??= event.answeredBy;
      if (event.outcome) this.endCall(event.outcome);
    }
  }

  applyStatus(status: TwilioCallStatus): void {
    if (status === 'in-progress' || status === 'completed') this.answered = true;
    if (this.answered && this.phase === 'ringing') this.phase = 'live';
    if (isTerminalStatus(status)) this.terminal ??= status;
  }

  private endCall(outcome: string): void {
    this.callOutcome ??= outcome;
    this.answered = true;
  }

  /** AMD says a machine (or fax) picked up rather than a person. */
  get isMachine(): boolean {
    return this.answeredBy !== undefined && /^(machine|fax)/.test(this.answeredBy);
  }

  get over(): boolean {
    return this.terminal !== undefined || this.callOutcome !== undefined;
  }

  disposition(): DialDisposition {
    if (this.isMachine) return 'voicemail';
    if (this.answered) return 'answered';
    switch (this.terminal) {
      case 'busy':
        return 'busy';
      case 'no-answer':
        return 'no_answer';
      case 'canceled':
        return 'canceled';
      default:
        return 'failed';
    }
  }
}
