import {
  condition,
  ParentClosePolicy,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import {
  campaignDialWorkflowId,
  type OutboundCallInput,
  type OutboundCallResult,
  outboundCallWorkflowType,
} from '../outbound/contract.ts';
import { PRIORITY } from '../priorities.ts';
import { SA } from '../search-attributes.ts';
import { campaignActivities as acts, campaignLocalActivities } from './activities.ts';
import type { CampaignState, QueuedContact } from './campaign-state.ts';
import type { CampaignInput } from './contract.ts';
import type { HandOff } from './hand-off.ts';

const DEFAULT_PAGE_SIZE = 100;
/** Runs recorded before `campaign-dispatch-v2` continued as new after this many dials. */
const V1_DIALS_PER_RUN = 250;
/**
 * With the history budget below as the real bound, a run may dial this many: every continue-as-new
 * waits for the run's in-flight dials, so fewer runs means fewer of those waits.
 */
const V2_DIALS_PER_RUN = 1_000;
/** Continue as new before the 10,240-event warning even if dials per run were set too high. */
const MAX_HISTORY_EVENTS = 8_000;
/** v2 runs: the ceiling a run's history must stay under, last page and drain included. */
const V2_HISTORY_CEILING = 9_500;
/**
 * Events one dial may add to the parent's history, with room to spare: child initiated, started
 * and completed (3), the workflow tasks its start and completion wake (up to 6) and its share of
 * a flush (a v2 local activity's marker; a v3 activity's three events, shared by its batch). Measured: about 8.4 at concurrency 20, 7 at 200. A run
 * stops dialing early enough that one more page and the drain of every in-flight dial still fit.
 */
const EVENTS_PER_DIAL = 12;
/** Progress counts are re-read from the database at most this often. */
const COUNTS_EVERY_MS = 1_000;

export type RunEnd = 'completed' | 'cancelled' | 'continue';

/**
 * One run's dial loop: takes contacts from the queue, waits for calling hours, a free slot and a
 * pacing token, starts each dial as a child, and writes marks and outcomes in batches.
 * `v2` (patched 'campaign-dispatch-v2'): the next page is read while the current one is dialed, runs are longer and bounded by history events;
 * off when replaying older runs.
 */
export class DialLoop {
  stopFlushing = false;
  /** Set in campaign-handoff runs: keeps this run's children so they can be handed over. */
  handOff: HandOff | undefined;
  private persistedPaused: boolean;
  private lastCountsMs = 0;
  private readonly pageSize: number;
  private readonly dialsPerRun: number;
  private prefetching: Promise<void> | undefined;
  /** Page reads and batched writes: local activities in v2 runs (not v3: see campaign-workflow.ts). */
  private readonly io: Pick<typeof acts, 'loadContactPage' | 'loadDueContacts' | 'applyContactUpdates'>;

  constructor(
    private readonly state: CampaignState,
    private readonly campaignId: string,
    input: CampaignInput,
    private readonly v2: boolean,
    localIo: boolean,
  ) {
    this.persistedPaused = state.paused;
    this.pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
    this.dialsPerRun = input.dialsPerRun ?? (v2 ? V2_DIALS_PER_RUN : V1_DIALS_PER_RUN);
    this.io = localIo ? campaignLocalActivities : acts;
  }

  async run(): Promise<RunEnd> {
    const s = this.state;
    for (;;) {
      if (s.cancelled) return 'cancelled';
      await this.persistPause();
      if (s.paused) {
        s.nextDialAtMs = undefined;
        await this.waitForChange();
        continue;
      }
      const contact = s.queue[0];
      if (!contact) {
        const refill = await this.refill();
        if (refill === 'idle') await this.waitForChange(s.dueCheckAtMs ?? undefined);
        else if (refill !== 'loaded') return refill;
        continue;
      }
      await this.step(contact);
    }
  }

  /** A page read still under way finishes before the run ends (its cursor is carried). */
  async settle(): Promise<void> {
    if (this.prefetching) await this.prefetching;
  }

  private async step(contact: QueuedContact): Promise<void> {
    const s = this.state;
    const now = Date.now();
    const next = s.nextStep(contact, now);
    if (next.kind === 'defer') s.defer(contact, next.atMs);
    else if (next.kind === 'waitForSlot') await this.waitForChange();
    else if (next.kind === 'waitForPacing') {
      s.nextDialAtMs = next.untilMs;
      await this.waitForChange(next.untilMs);
    } else {
      s.nextDialAtMs = undefined;
      s.startDial(contact, next.attempt);
      void this.dial(contact, next.attempt);
      this.maybePrefetch();
    }
  }

  /** Whether this run has dialed enough (by count or history size) to hand over to a new one. */
  private runIsFull(): boolean {
    const s = this.state;
    if (s.dialsThisRun >= this.dialsPerRun || workflowInfo().continueAsNewSuggested) return true;
    const history = workflowInfo().historyLength;
    if (!this.v2) return history > MAX_HISTORY_EVENTS;
    return history > V2_HISTORY_CEILING - EVENTS_PER_DIAL * (this.pageSize + s.settings.concurrencyLimit);
  }

  /**
   * Reads the next first-pass page while the queue still holds half a page, so dialing does not
   * stop for the read. Only when this run will dial those contacts: the carried cursor must never
   * pass contacts that are still in a queue.
   */
  private maybePrefetch(): void {
    const s = this.state;
    if (!this.v2 || this.prefetching || s.firstPassDone || s.queue.length > this.pageSize / 2) return;
    if (s.dialsThisRun + s.queue.length + this.pageSize > this.dialsPerRun || this.runIsFull()) return;
    this.prefetching = this.loadPage().finally(() => {
      this.prefetching = undefined;
      s.bump();
    });
  }

  private async loadPage(): Promise<void> {
    const s = this.state;
    const page = await this.io.loadContactPage({
      campaignId: this.campaignId,
      afterId: s.cursor,
      limit: this.pageSize,
    });
    s.cursor = page.lastId ?? s.cursor;
    s.firstPassDone = page.exhausted;
    s.enqueue(page.contacts);
  }

  /** Fills the queue: due retries and deferred contacts first, then the next first-pass page. */
  private async refill(): Promise<'loaded' | 'idle' | 'completed' | 'continue'> {
    const s = this.state;
    if (this.prefetching) {
      await this.prefetching;
      return 'loaded';
    }
    if (this.runIsFull()) return 'continue';
    const now = Date.now();
    if (s.dueCheckAtMs !== null && now >= s.dueCheckAtMs) {
      // Marks and outcomes must be written first, or a contact in flight would look due.
      await condition(() => !s.hasUpdates() && !s.flushing);
      const due = await this.io.loadDueContacts({
        campaignId: this.campaignId,
        nowMs: now,
        limit: this.pageSize,
      });
      s.dueCheckAtMs = due.more ? now : (due.nextDueAtMs ?? null);
      s.enqueue(due.contacts);
      if (s.queue.length > 0) return 'loaded';
    }
    if (!s.firstPassDone) {
      await this.loadPage();
      return 'loaded';
    }
    if (s.drained() && s.dueCheckAtMs === null) return 'completed';
    s.nextDialAtMs = s.dueCheckAtMs ?? undefined;
    return 'idle';
  }

  private async dial(contact: QueuedContact, attempt: number): Promise<void> {
    const s = this.state;
    const callInput: OutboundCallInput = {
      to: contact.phone,
      from: s.settings.callerId,
      agentId: s.settings.agentId,
      campaignId: this.campaignId,
      contactId: contact.id,
      attempt,
      variables: { ...s.settings.promptVariables, ...contact.variables },
    };
    let result: OutboundCallResult;
    try {
      const started = startChild(outboundCallWorkflowType, {
        workflowId: campaignDialWorkflowId(contact.id, attempt),
        args: [callInput],
        // A live call must not be cut because the campaign ended or continued as new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // An attempt id is used once, ever: a second start would be a second dial.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: SA.campaignId, value: this.campaignId }],
        priority: PRIORITY.campaignDial,
      });
      this.handOff?.track(contact, attempt, started);
      const child = await started;
      result = (await child.result()) as OutboundCallResult;
    } catch (err) {
      result = { disposition: 'failed', detail: err instanceof Error ? err.message : String(err) };
    }
    if (this.handOff) {
      this.handOff.forget(contact.id, attempt);
      // A handed-off child may have reported by signal already.
      s.settleDial(contact, attempt, result, Date.now());
    } else s.finishDial(contact, attempt, result, Date.now());
  }

  /** Writes marks, deferrals and outcomes in batches, one activity at a time. */
  async flushForever(): Promise<void> {
    const s = this.state;
    for (;;) {
      await condition(() => s.hasUpdates() || this.stopFlushing);
      if (!s.hasUpdates()) return;
      s.flushing = true;
      const batch = s.takeUpdates();
      const withCounts = this.stopFlushing || Date.now() - this.lastCountsMs >= COUNTS_EVERY_MS;
      const counts = await this.io.applyContactUpdates({ campaignId: this.campaignId, ...batch, withCounts });
      if (counts) {
        this.lastCountsMs = Date.now();
        Object.assign(s, counts);
      }
      for (const o of batch.outcomes) s.outcomeWritten(o.contactId);
      s.flushing = false;
      s.bump();
    }
  }

  private async persistPause(): Promise<void> {
    const paused = this.state.paused;
    if (paused === this.persistedPaused) return;
    await acts.setCampaignStatus({ campaignId: this.campaignId, status: paused ? 'paused' : 'running' });
    this.persistedPaused = paused;
  }

  /** Waits for any event (signal, update, finished dial) or until `untilMs`. */
  private async waitForChange(untilMs?: number): Promise<void> {
    const epoch = this.state.epoch;
    if (untilMs === undefined) await condition(() => this.state.epoch !== epoch);
    else await condition(() => this.state.epoch !== epoch, Math.max(1, untilMs - Date.now()));
  }
}
