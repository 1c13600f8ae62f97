import {
  type ChildWorkflowHandle,
  condition,
  getExternalWorkflowHandle,
  patched,
  workflowInfo,
} from '@temporalio/workflow';
import { campaignDialWorkflowId, reportToCampaignSignal } from '../outbound/contract.ts';
import { campaignLocalActivities } from './activities.ts';
import type { CampaignState, QueuedContact } from './campaign-state.ts';
import type { HandedOffDial } from './contract.ts';

/**
 * A child asked to report may finish and signal its result before this run has seen the reply to
 * its own request (both reach the run in one activation, signals first). That report counts now.
 */
const EARLY_REPORT_PATCH = 'campaign-early-report';

/** How long a handed-off dial may stay unheard of before its child is checked on. */
export const DEFAULT_HAND_OFF_CHECK_MS = 2 * 60_000;

// biome-ignore lint/suspicious/noExplicitAny: the child is started by type name
type Child = ChildWorkflowHandle<any>;

/**
 * campaign-handoff: a run that continues as new does not wait for its in-flight dials. It asks
 * each (`reportToCampaign`) to send its result by signal to the campaign's workflow id, and
 * carries them to the next run, which counts them against the concurrency limit until their
 * `dialFinished` signals arrive. A child that has already closed cannot take the signal; its
 * completion then reaches this run, which handles it as usual.
 */
export class HandOff {
  private readonly children = new Map<
    string,
    { attempt: number; timeZone: string; started: Promise<Child> }
  >();

  constructor(
    private readonly state: CampaignState,
    private readonly checkMs: number,
  ) {}

  /** A dial of this run whose child is being started. */
  track(contact: QueuedContact, attempt: number, started: Promise<Child>): void {
    this.children.set(contact.id, { attempt, timeZone: contact.timeZone, started });
  }

  forget(contactId: string, attempt: number): void {
    if (this.children.get(contactId)?.attempt === attempt) this.children.delete(contactId);
  }

  /** Asks every child of this run still running to report to the campaign instead. */
  async handOver(): Promise<void> {
    const s = this.state;
    const to = workflowInfo().workflowId;
    // Runs recorded before the patch ignored a report that came before the request's reply; the
    // dial then waited for the check below (`checkMs`) if the run continued as new meanwhile.
    const earlyReports = patched(EARLY_REPORT_PATCH);
    await Promise.all(
      [...this.children].map(async ([contactId, c]) => {
        let child: Child;
        try {
          child = await c.started;
        } catch {
          return; // Never started: the dial loop has recorded it as failed.
        }
        if (s.inFlight.get(contactId) !== c.attempt) return;
        if (earlyReports) s.askedToReport(contactId, c.attempt, c.timeZone, Date.now());
        try {
          await child.signal(reportToCampaignSignal, { campaignWorkflowId: to });
          s.handedOff(contactId, c.attempt, c.timeZone, Date.now());
          s.bump();
        } catch {
          // Closed already: its completion reaches this run, which settles the dial.
          s.notAsked(contactId);
        }
      }),
    );
  }

  /**
   * Checks on handed-off dials unheard of for `checkMs`: a child still open is asked again (the
   * signal is idempotent); one that closed without reporting (failed, terminated) is settled from
   * its attempt record, so no slot stays taken forever. A closed child that did report had its
   * signal recorded before it closed, so it was handled before this check could see it closed.
   */
  async watch(): Promise<never> {
    const s = this.state;
    for (;;) {
      await condition(() => s.reporting.size > 0);
      const oldest = Math.min(...[...s.reporting.values()].map((d) => d.sinceMs));
      const waitMs = oldest + this.checkMs - Date.now();
      if (waitMs > 0) {
        await condition(() => s.reporting.size === 0, waitMs);
        continue;
      }
      await Promise.all(s.unheardSince(Date.now() - this.checkMs).map((d) => this.check(d)));
    }
  }

  private async check(d: HandedOffDial): Promise<void> {
    const s = this.state;
    const to = workflowInfo().workflowId;
    try {
      await getExternalWorkflowHandle(campaignDialWorkflowId(d.contactId, d.attempt)).signal(
        reportToCampaignSignal,
        { campaignWorkflowId: to },
      );
      const still = s.reporting.get(d.contactId);
      if (still?.attempt === d.attempt) still.sinceMs = Date.now();
      return;
    } catch {
      // Closed (or never existed) without a report that reached us.
    }
    if (s.reporting.get(d.contactId)?.attempt !== d.attempt) return;
    const result = await campaignLocalActivities.handedOffDialOutcome({
      contactId: d.contactId,
      attempt: d.attempt,
    });
    s.dialReported({ contactId: d.contactId, attempt: d.attempt, result }, Date.now());
  }
}
