import type { CallPhase, CallState, TwilioCallStatus } from '../../domain/call.ts';
import { isTerminalStatus } from '../../domain/call.ts';

/**
 * The call workflow's state, kept in one small class so every handler is one line and the
 * end-exactly-once rule lives in one place (status callback and stream stop race; only the
 * first ends the call).
 */
export class CallLifecycle {
  phase: CallPhase = 'ringing';
  callId?: string;
  customerId?: string | null;
  agentId?: string;
  /** Set once, by whichever event ends the call first. */
  end?: { status: TwilioCallStatus; reason: string };
  /** Business outcome from tools (booked, transferred, ...), refined later by post-call analysis. */
  toolOutcome?: string;
  appointmentIds: string[] = [];
  transferredTo?: string;
  heartbeatSeen = false;
  /** The call was answered (media flowed or Twilio said in-progress), even if it ended at once. */
  answered = false;
  endRequestedAt?: number;
  /** Outbound prompt variables, handed to the media node through the state query. */
  variables?: Record<string, string>;
  /** Work a tool started but did not wait for (reminder start/signal); settled before the end. */
  private followUps: Promise<void>[] = [];

  constructor(readonly callSid: string) {}

  get started(): boolean {
    return this.callId !== undefined;
  }

  onStatus(status: TwilioCallStatus): void {
    if (status === 'in-progress') this.answered = true;
    if (status === 'in-progress' && this.phase === 'ringing') this.phase = 'live';
    if (isTerminalStatus(status)) this.finish(status, `status ${status}`);
  }

  onMediaStarted(): void {
    this.answered = true;
    if (this.phase === 'ringing') this.phase = 'live';
    this.heartbeatSeen = true;
  }

  onMediaStopped(reason: string): void {
    this.finish('completed', `media stopped: ${reason}`);
  }

  finish(status: TwilioCallStatus, reason: string): void {
    if (this.end) return;
    this.end = { status, reason };
    this.phase = 'ending';
  }

  recordAppointment(appointmentId: string, outcome: 'booked' | 'rescheduled' | 'cancelled'): void {
    if (!this.appointmentIds.includes(appointmentId)) this.appointmentIds.push(appointmentId);
    this.toolOutcome = outcome;
  }

  followUp(work: Promise<void>): void {
    this.followUps.push(work);
  }

  async settleFollowUps(): Promise<void> {
    await Promise.all(this.followUps);
  }

  outcome(): string {
    if (this.transferredTo) return 'transferred';
    if (this.toolOutcome) return this.toolOutcome;
    const status = this.end?.status ?? 'completed';
    if (status === 'completed') return this.end?.reason.startsWith('media lost') ? 'failed' : 'info-only';
    return status === 'canceled' ? 'no-answer' : status;
  }

  snapshot(): CallState {
    return {
      callSid: this.callSid,
      callId: this.callId,
      customerId: this.customerId,
      agentId: this.agentId,
      phase: this.phase,
      outcome: this.phase === 'ended' ? this.outcome() : undefined,
      endReason: this.end?.reason,
      appointmentIds: [...this.appointmentIds],
      transferredTo: this.transferredTo,
      ...(this.variables ? { variables: { ...this.variables } } : {}),
    };
  }
}
