import { getExternalWorkflowHandle, log, patched, setHandler } from '@temporalio/workflow';
import { dialFinishedSignal } from '../campaign/contract.ts';
import { type OutboundCallInput, type OutboundCallResult, reportToCampaignSignal } from './contract.ts';

/** Marker of the hand-off's command (the report signal); shared with the campaign workflow. */
export const CAMPAIGN_HANDOFF_PATCH = 'campaign-handoff';

/**
 * A campaign dial's side of the hand-off across a campaign's continue-as-new: once the run that
 * started this child asks for it, the result also goes by signal to the campaign's workflow id,
 * because the child's completion reaches only the run that started it. A dial never asked sends
 * nothing (and records no marker), so the common case costs nothing.
 */
export class CampaignReport {
  private to: string | undefined;

  /** Registers the signal handler: call it before the workflow's first await. */
  constructor() {
    setHandler(reportToCampaignSignal, ({ campaignWorkflowId }) => {
      this.to ??= campaignWorkflowId;
    });
  }

  /** Whether the campaign has asked for the result by signal. */
  get asked(): boolean {
    return this.to !== undefined;
  }

  /** Call right before returning `result`. */
  async deliver(input: OutboundCallInput, result: OutboundCallResult): Promise<void> {
    if (this.to === undefined || !input.contactId || input.attempt === undefined) return;
    if (!patched(CAMPAIGN_HANDOFF_PATCH)) return;
    try {
      await getExternalWorkflowHandle(this.to).signal(dialFinishedSignal, {
        contactId: input.contactId,
        attempt: input.attempt,
        result,
      });
    } catch (err) {
      // The campaign is gone (terminated): nothing waits for this result. The attempt's own
      // record is written, so failing the dial here would only hide that.
      log.warn('could not report the dial to its campaign', { to: this.to, error: String(err) });
    }
  }
}
