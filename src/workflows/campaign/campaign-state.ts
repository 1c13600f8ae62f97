import { nextCallableAt } from '../../domain/calling-hours.ts';
import { afterAttempt, type CampaignRunSettings, type SettingsChange } from '../../domain/campaign-rules.ts';
import { type PacingBucket, reshapeBucket, takeToken } from '../../domain/pacing.ts';
import type { OutboundCallResult } from '../outbound/contract.ts';
import type {
  CampaignCarriedState,
  CampaignProgress,
  CarriedOutcome,
  DialFinished,
  HandedOffDial,
} from './contract.ts';

/** A contact as the workflow holds it (the activity's DialableContact, without importing db code). */
export interface QueuedContact {
  id: string;
  phone: string;
  timeZone: string;
  variables: Record<string, string>;
  attempts: number;
}

/** An outcome waiting to be written: the same shape a run carries into its successor. */
type Outcome = CarriedOutcome;

export type NextStep =
  | { kind: 'defer'; atMs: number }
  | { kind: 'waitForSlot' }
  | { kind: 'waitForPacing'; untilMs: number }
  | { kind: 'dial'; attempt: number };

/**
 * The campaign's state between handlers and the dial loop. Decisions (may this contact be
 * dialed now, what happens after a disposition) are pure and use the workflow's clock.
 */
export class CampaignState {
  settings: CampaignRunSettings;
  paused: boolean;
  cancelled: boolean;
  cursor: string | undefined;
  firstPassDone: boolean;
  dueCheckAtMs: number | null;
  pacing: PacingBucket;
  contactsByStatus: Record<string, number>;
  dispositions: Record<string, number>;
  dialsStarted: number;
  runs: number;
  dialsThisRun = 0;
  finished: 'completed' | 'cancelled' | undefined;
  /** Bumped by every event the dial loop may be waiting for. */
  epoch = 0;
  nextDialAtMs: number | undefined;
  readonly queue: QueuedContact[] = [];
  /** Ids in `queue`: a prefetched page may overlap contacts loaded as due. */
  private readonly queued = new Set<string>();
  /**
   * Contact id → attempt, from the dial decision until the child's result (or, in runs recorded
   * before `freeSlotOnResult`, until its outcome is written). This is the concurrency bound.
   */
  readonly inFlight = new Map<string, number>();
  /** Contact id → attempt: results decided but not written to the database yet. */
  readonly unwritten = new Map<string, number>();
  /**
   * A finished dial frees its slot at once instead of after the batched write, so a slow flush
   * does not hold back new dials. False only when replaying runs recorded before the change.
   */
  freeSlotOnResult = false;
  /**
   * Contact id → dial whose result comes by `dialFinished` signal (campaign-handoff): handed off by
   * this run before it continues as new, or carried from the previous run. Always also in `inFlight`.
   */
  readonly reporting = new Map<string, Omit<HandedOffDial, 'contactId'>>();
  /**
   * Contact id → dial of this run asked to report (campaign-early-report) whose reply to that
   * request this run has not seen yet. The child may finish and report in between: its report
   * then reaches this run in the same activation as that reply, and signals are handled first.
   * Never carried: the hand-over waits for every reply.
   */
  private readonly asked = new Map<string, Omit<HandedOffDial, 'contactId'>>();
  /** campaign-handoff: in-flight dials are carried across continue-as-new instead of awaited. */
  handoff = false;
  marks: { contactId: string; attempt: number }[] = [];
  deferrals: { contactId: string; atMs: number }[] = [];
  outcomes: Outcome[] = [];
  flushing = false;

  constructor(carried: CampaignCarriedState) {
    this.settings = carried.settings;
    this.paused = carried.paused;
    this.cancelled = carried.cancelled;
    this.cursor = carried.cursor;
    this.firstPassDone = carried.firstPassDone;
    this.dueCheckAtMs = carried.dueCheckAtMs;
    this.pacing = carried.pacing;
    this.contactsByStatus = carried.contactsByStatus;
    this.dispositions = carried.dispositions;
    this.dialsStarted = carried.dialsStarted;
    this.runs = carried.runs;
    for (const d of carried.handedOff ?? []) {
      this.inFlight.set(d.contactId, d.attempt);
      this.reporting.set(d.contactId, { attempt: d.attempt, timeZone: d.timeZone, sinceMs: d.sinceMs });
    }
    for (const o of carried.unwrittenOutcomes ?? []) {
      this.outcomes.push(o);
      this.unwritten.set(o.contactId, o.attempt);
    }
  }

  carry(): CampaignCarriedState {
    return {
      settings: this.settings,
      paused: this.paused,
      cancelled: this.cancelled,
      cursor: this.cursor,
      firstPassDone: this.firstPassDone,
      dueCheckAtMs: this.dueCheckAtMs,
      pacing: this.pacing,
      contactsByStatus: this.contactsByStatus,
      dispositions: this.dispositions,
      dialsStarted: this.dialsStarted,
      runs: this.runs + 1,
      ...(this.handoff ? this.carryHandOff() : {}),
    };
  }

  /** Dials still running and results not written yet: the next run finishes them. */
  private carryHandOff(): Pick<CampaignCarriedState, 'handedOff' | 'unwrittenOutcomes'> {
    const handedOff = [...this.reporting].map(([contactId, d]) => ({ contactId, ...d }));
    return { handedOff, unwrittenOutcomes: this.outcomes };
  }

  /** A child of this run is being asked to report: a report from it counts from now on. */
  askedToReport(contactId: string, attempt: number, timeZone: string, nowMs: number): void {
    if (this.inFlight.get(contactId) === attempt)
      this.asked.set(contactId, { attempt, timeZone, sinceMs: nowMs });
  }

  /** The request could not reach the child (it had closed): its completion settles the dial. */
  notAsked(contactId: string): void {
    this.asked.delete(contactId);
  }

  /** A child of this run took the hand-off: its result will come by signal. */
  handedOff(contactId: string, attempt: number, timeZone: string, nowMs: number): void {
    this.asked.delete(contactId);
    if (this.inFlight.get(contactId) === attempt)
      this.reporting.set(contactId, { attempt, timeZone, sinceMs: nowMs });
  }

  /**
   * A dial's result, from its child's completion or its `dialFinished` signal (a child handed off
   * just before finishing can deliver both). Only the first for the dial in flight counts; a result
   * for an unknown or older attempt is ignored. Returns whether it counted.
   */
  settleDial(
    contact: Pick<QueuedContact, 'id' | 'timeZone'>,
    attempt: number,
    result: OutboundCallResult,
    nowMs: number,
  ): boolean {
    if (this.inFlight.get(contact.id) !== attempt) return false;
    this.reporting.delete(contact.id);
    this.asked.delete(contact.id);
    this.finishDial(contact, attempt, result, nowMs);
    return true;
  }

  /** A `dialFinished` signal: counts only for a dial whose result was handed off or asked for. */
  dialReported(report: DialFinished, nowMs: number): boolean {
    const d = this.reporting.get(report.contactId) ?? this.asked.get(report.contactId);
    if (!d || d.attempt !== report.attempt) return false;
    return this.settleDial({ id: report.contactId, timeZone: d.timeZone }, d.attempt, report.result, nowMs);
  }

  /** Handed-off dials not heard of since `beforeMs`. */
  unheardSince(beforeMs: number): HandedOffDial[] {
    return [...this.reporting]
      .filter(([, d]) => d.sinceMs <= beforeMs)
      .map(([contactId, d]) => ({ contactId, ...d }));
  }

  /** Every dial still in flight has been handed off (its result will come by signal). */
  allHandedOff(): boolean {
    for (const [id, attempt] of this.inFlight) if (this.reporting.get(id)?.attempt !== attempt) return false;
    return true;
  }

  bump(): void {
    this.epoch++;
  }

  pause(): void {
    this.paused = true;
    this.bump();
  }

  resume(): void {
    this.paused = false;
    this.bump();
  }

  cancel(): void {
    this.cancelled = true;
    this.bump();
  }

  changeSettings(change: SettingsChange): CampaignRunSettings {
    this.settings = { ...this.settings, ...change };
    if (change.pacingPerMinute !== undefined)
      this.pacing = reshapeBucket(this.pacing, change.pacingPerMinute);
    this.bump();
    return this.settings;
  }

  /** Something waiting in the database becomes due at `atMs`. */
  dueSoon(atMs: number): void {
    this.dueCheckAtMs = this.dueCheckAtMs === null ? atMs : Math.min(this.dueCheckAtMs, atMs);
  }

  enqueue(contacts: QueuedContact[]): void {
    for (const c of contacts) {
      if (this.inFlight.has(c.id) || this.unwritten.has(c.id) || this.queued.has(c.id)) continue;
      this.queue.push(c);
      this.queued.add(c.id);
    }
  }

  /** Whether the head of the queue may be dialed now, and if not, what to wait for. */
  nextStep(contact: QueuedContact, nowMs: number): NextStep {
    const opensAt = nextCallableAt(new Date(nowMs), contact.timeZone, this.settings.callingHours);
    // Validation refuses empty calling hours, so `undefined` cannot happen; a day's wait is safe.
    if (!opensAt) return { kind: 'defer', atMs: nowMs + 86_400_000 };
    if (opensAt.getTime() > nowMs) return { kind: 'defer', atMs: opensAt.getTime() };
    if (this.inFlight.size >= this.settings.concurrencyLimit) return { kind: 'waitForSlot' };
    const token = takeToken(this.pacing, this.settings.pacingPerMinute, nowMs);
    this.pacing = token.bucket;
    if (!token.ok) return { kind: 'waitForPacing', untilMs: token.readyAtMs };
    return { kind: 'dial', attempt: contact.attempts + 1 };
  }

  defer(contact: QueuedContact, atMs: number): void {
    this.queue.shift();
    this.queued.delete(contact.id);
    this.deferrals.push({ contactId: contact.id, atMs });
    this.dueSoon(atMs);
  }

  /** Called right after `nextStep` said 'dial' (which took the pacing token). */
  startDial(contact: QueuedContact, attempt: number): void {
    this.queue.shift();
    this.queued.delete(contact.id);
    this.inFlight.set(contact.id, attempt);
    this.marks.push({ contactId: contact.id, attempt });
    this.dialsStarted++;
    this.dialsThisRun++;
  }

  /** Decides what the disposition means for the contact and queues the write. */
  finishDial(
    contact: Pick<QueuedContact, 'id' | 'timeZone'>,
    attempt: number,
    result: OutboundCallResult,
    nowMs: number,
  ): void {
    const rules = this.settings.retryRules;
    let next = afterAttempt(result.disposition, attempt, rules, new Date(nowMs));
    if (result.disposition === 'outside_calling_hours' && attempt < rules.maxAttempts) {
      // The dialer's own gate disagreed with ours (clock skew): try again when the window opens.
      const opens = nextCallableAt(new Date(nowMs + 60_000), contact.timeZone, this.settings.callingHours);
      next = { status: 'retry_scheduled', nextAttemptAt: opens ?? new Date(nowMs + 86_400_000) };
    }
    const atMs = next.nextAttemptAt?.getTime();
    if (atMs !== undefined) this.dueSoon(atMs);
    this.outcomes.push({
      contactId: contact.id,
      attempt,
      disposition: result.disposition,
      status: next.status,
      nextAttemptAtMs: atMs,
      callSid: result.callSid,
    });
    if (this.freeSlotOnResult) {
      this.inFlight.delete(contact.id);
      this.unwritten.set(contact.id, attempt);
    }
    this.bump();
  }

  /** The batch holding this contact's outcome has been written. */
  outcomeWritten(contactId: string): void {
    if (this.freeSlotOnResult) this.unwritten.delete(contactId);
    else this.inFlight.delete(contactId);
  }

  /** No dial running and every outcome written (what "drained" means to a caller). */
  drained(): boolean {
    return this.inFlight.size === 0 && this.unwritten.size === 0 && !this.hasUpdates() && !this.flushing;
  }

  hasUpdates(): boolean {
    return this.marks.length + this.deferrals.length + this.outcomes.length > 0;
  }

  takeUpdates() {
    const batch = { marks: this.marks, deferrals: this.deferrals, outcomes: this.outcomes };
    this.marks = [];
    this.deferrals = [];
    this.outcomes = [];
    return batch;
  }

  progress(): CampaignProgress {
    return {
      status: this.finished ?? (this.cancelled ? 'cancelling' : this.paused ? 'paused' : 'running'),
      contactsByStatus: this.contactsByStatus,
      dispositions: this.dispositions,
      inFlight: this.inFlight.size,
      unwritten: this.unwritten.size,
      concurrencyLimit: this.settings.concurrencyLimit,
      pacingPerMinute: this.settings.pacingPerMinute,
      nextDialAt: this.nextDialAtMs === undefined ? undefined : new Date(this.nextDialAtMs).toISOString(),
      dialsStarted: this.dialsStarted,
      runs: this.runs,
    };
  }
}
