import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { settingsChangeSchema } from '../../domain/campaign-rules.ts';
import { fullBucket } from '../../domain/pacing.ts';
import {
  campaignDialWorkflowId,
  type OutboundCallInput,
  type OutboundCallResult,
  outboundCallWorkflowType,
} from '../outbound/contract.ts';
import { SA } from '../search-attributes.ts';
import { CampaignState, type QueuedContact } from './campaign-state.ts';
import * as contract from './contract.ts';

const acts = proxyActivities<Activities>({
  // Short, so after a worker crash an interrupted activity is retried within seconds.
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});
const begin = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: ['CampaignNotFound', 'CampaignFinished', 'CampaignInvalid'],
  },
}).beginCampaign;

const DEFAULT_PAGE_SIZE = 100;
const DEFAULT_DIALS_PER_RUN = 250;
/** Continue as new before the 10,240-event warning even if dials per run were set too high. */
const MAX_HISTORY_EVENTS = 8_000;
/** Progress counts are re-read from the database at most this often. */
const COUNTS_EVERY_MS = 1_000;

/** What the progress query answers while the first run is still loading the campaign. */
function startingProgress(): contract.CampaignProgress {
  return {
    status: 'draft',
    contactsByStatus: {},
    dispositions: {},
    inFlight: 0,
    concurrencyLimit: 0,
    pacingPerMinute: 0,
  };
}

/**
 * `campaign:<id>`: dials every contact as an `outboundCallWorkflow` child (`dial:<contact>:<n>`)
 * within each contact's calling hours, never more than the concurrency limit at once nor faster
 * than the pacing, retrying by disposition. Pause, resume and cancel are signals; settings change
 * through a validated update. It continues as new every few hundred dials, after its in-flight
 * dials have finished, so no run approaches Temporal's history or pending-children limits.
 */
export async function campaignWorkflow(input: contract.CampaignInput): Promise<contract.CampaignProgress> {
  const { campaignId } = input;
  // Handlers are registered before the first activity: a query or update arriving while the
  // first run loads the campaign must not find the workflow without handlers.
  let state: CampaignState | undefined;
  const ready = async (): Promise<CampaignState> => {
    await condition(() => state !== undefined);
    return state as CampaignState;
  };
  setHandler(contract.pauseCampaignSignal, () => void ready().then((s) => s.pause()));
  setHandler(contract.resumeCampaignSignal, () => void ready().then((s) => s.resume()));
  setHandler(contract.cancelCampaignSignal, () => void ready().then((s) => s.cancel()));
  setHandler(contract.campaignProgressQuery, () => state?.progress() ?? startingProgress());
  setHandler(
    contract.changeCampaignSettingsUpdate,
    async (change) => {
      const parsed = settingsChangeSchema.parse(change);
      const s = await ready();
      const settings = s.changeSettings(parsed);
      // Deferrals decided under the old hours are written first, so reopening them covers all.
      if (parsed.callingHours) await condition(() => !s.hasUpdates() && !s.flushing);
      await acts.saveCampaignSettings({ campaignId, change: parsed, nowMs: Date.now() });
      // Deferred contacts were made due by the activity: look for them only now that it is done.
      if (parsed.callingHours) s.dueSoon(Date.now());
      s.bump();
      const { concurrencyLimit, pacingPerMinute, callingHours } = settings;
      return { concurrencyLimit, pacingPerMinute, callingHours };
    },
    { validator: (change) => void settingsChangeSchema.parse(change) },
  );
  const carried = input.carried ?? (await firstRunState(campaignId, workflowInfo().workflowId));
  state = new CampaignState(carried);
  upsertSearchAttributes([{ key: SA.campaignId, value: campaignId }]);

  const loop = new DialLoop(state, campaignId, input);
  const flusher = loop.flushForever();
  const end = await loop.run();
  // In-flight dials finish (a cancelled campaign hangs up on no one) and their outcomes are written.
  await condition(() => state.inFlight.size === 0);
  loop.stopFlushing = true;
  state.bump();
  await flusher;
  await condition(allHandlersFinished);
  if (end === 'continue') return continueAsNew<typeof campaignWorkflow>({ ...input, carried: state.carry() });
  const counts = await acts.finishCampaign({ campaignId, cancelled: end === 'cancelled' });
  Object.assign(state, counts, { finished: end });
  return state.progress();
}

async function firstRunState(campaignId: string, workflowId: string): Promise<contract.CampaignCarriedState> {
  const { settings, counts } = await begin({ campaignId, workflowId });
  return {
    settings,
    paused: false,
    cancelled: false,
    firstPassDone: false,
    // Deferred or retried contacts of an earlier, interrupted start are found by one look.
    dueCheckAtMs: Date.now(),
    pacing: fullBucket(settings.pacingPerMinute, Date.now()),
    ...counts,
    dialsStarted: 0,
    runs: 1,
  };
}

class DialLoop {
  stopFlushing = false;
  private persistedPaused: boolean;
  private lastCountsMs = 0;
  private readonly pageSize: number;
  private readonly dialsPerRun: number;

  constructor(
    private readonly state: CampaignState,
    private readonly campaignId: string,
    input: contract.CampaignInput,
  ) {
    this.persistedPaused = state.paused;
    this.pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
    this.dialsPerRun = input.dialsPerRun ?? DEFAULT_DIALS_PER_RUN;
  }

  async run(): Promise<'completed' | 'cancelled' | 'continue'> {
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
    }
  }

  /** Fills the queue: due retries and deferred contacts first, then the next first-pass page. */
  private async refill(): Promise<'loaded' | 'idle' | 'completed' | 'continue'> {
    const s = this.state;
    if (s.dialsThisRun >= this.dialsPerRun || workflowInfo().historyLength > MAX_HISTORY_EVENTS)
      return 'continue';
    if (workflowInfo().continueAsNewSuggested) return 'continue';
    const now = Date.now();
    if (s.dueCheckAtMs !== null && now >= s.dueCheckAtMs) {
      // Marks and outcomes must be written first, or a contact in flight would look due.
      await condition(() => !s.hasUpdates() && !s.flushing);
      const due = await acts.loadDueContacts({
        campaignId: this.campaignId,
        nowMs: now,
        limit: this.pageSize,
      });
      s.dueCheckAtMs = due.more ? now : (due.nextDueAtMs ?? null);
      s.enqueue(due.contacts);
      if (s.queue.length > 0) return 'loaded';
    }
    if (!s.firstPassDone) {
      const page = await acts.loadContactPage({
        campaignId: this.campaignId,
        afterId: s.cursor,
        limit: this.pageSize,
      });
      s.cursor = page.lastId ?? s.cursor;
      s.firstPassDone = page.exhausted;
      s.enqueue(page.contacts);
      return 'loaded';
    }
    if (s.inFlight.size === 0 && s.dueCheckAtMs === null && !s.hasUpdates() && !s.flushing)
      return 'completed';
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
      const child = await startChild(outboundCallWorkflowType, {
        workflowId: campaignDialWorkflowId(contact.id, attempt),
        args: [callInput],
        // A live call must not be cut because the campaign ended or continued as new.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // An attempt id is used once, ever: a second start would be a second dial.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        typedSearchAttributes: [{ key: SA.campaignId, value: this.campaignId }],
      });
      result = (await child.result()) as OutboundCallResult;
    } catch (err) {
      result = { disposition: 'failed', detail: err instanceof Error ? err.message : String(err) };
    }
    s.finishDial(contact, attempt, result, Date.now());
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
      const counts = await acts.applyContactUpdates({ campaignId: this.campaignId, ...batch, withCounts });
      if (counts) {
        this.lastCountsMs = Date.now();
        Object.assign(s, counts);
      }
      for (const o of batch.outcomes) s.inFlight.delete(o.contactId);
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
