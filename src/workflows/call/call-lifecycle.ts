import type { CallPhase, CallState, TwilioCallStatus } from '../../domain/call.ts';
import { isTerminalStatus } from '../../domain/call.ts';

export type AppointmentChange = 'booked' | 'rescheduled' | 'cancelled';

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
  /** Each appointment's latest change in this call, and which ones this call booked. */
  private lastChange = new Map<string, AppointmentChange>();
  private booked = new Set<string>();

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

  recordAppointment(appointmentId: string, outcome: AppointmentChange): void {
    if (!this.appointmentIds.includes(appointmentId)) this.appointmentIds.push(appointmentId);
    if (outcome === 'booked') this.booked.add(appointmentId);
    this.lastChange.set(appointmentId, outcome);
    this.toolOutcome = outcome;
  }

  bookedHere(appointmentId: string): boolean {
    return this.booked.has(appointmentId);
  }

  /** Appointments booked or moved in this call and still standing at its end. */
  appointmentsToRemind(): string[] {
    return [...this.lastChange].filter(([, change]) => change !== 'cancelled').map(([id]) => id);
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
