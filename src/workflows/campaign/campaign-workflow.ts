import {
  allHandlersFinished,
  condition,
  continueAsNew,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { settingsChangeSchema } from '../../domain/campaign-rules.ts';
import { fullBucket } from '../../domain/pacing.ts';
import { CAMPAIGN_HANDOFF_PATCH } from '../outbound/campaign-report.ts';
import { SA } from '../search-attributes.ts';
import { campaignActivities as acts, beginCampaign as begin } from './activities.ts';
import { CampaignState } from './campaign-state.ts';
import * as contract from './contract.ts';
import { DialLoop } from './dial-loop.ts';
import { DEFAULT_HAND_OFF_CHECK_MS, HandOff } from './hand-off.ts';

/** What the progress query answers while the first run is still loading the campaign. */
function startingProgress(): contract.CampaignProgress {
  return {
    status: 'draft',
    contactsByStatus: {},
    dispositions: {},
    inFlight: 0,
    unwritten: 0,
    concurrencyLimit: 0,
    pacingPerMinute: 0,
  };
}

/**
 * `campaign:<id>`: dials every contact as an `outboundCallWorkflow` child (`dial:<contact>:<n>`)
 * within each contact's calling hours, never more than the concurrency limit at once nor faster
 * than the pacing, retrying by disposition. Pause, resume and cancel are signals; settings change
 * through a validated update. It continues as new once a run's history nears its event budget
 * (or after `dialsPerRun` dials). Unless `handOffDials` is false, dials still running then are
 * handed to the next run (their results come by signal, hand-off.ts); otherwise the run waits for
 * them, since a child's result reaches only the run that started it. No run approaches Temporal's history limits, and the
 * concurrency limit (at most 500) keeps pending children under the 2,000 per run.
 */
export async function campaignWorkflow(input: contract.CampaignInput): Promise<contract.CampaignProgress> {
  const { campaignId } = input;
  // Handlers are registered before the first activity: a query or update arriving while the
  // first run loads the campaign must not find the workflow without handlers.
  let state: CampaignState | undefined;
  // First of all: a handed-off dial's result may be waiting for this run (campaign-handoff).
  const early: contract.DialFinished[] = [];
  setHandler(contract.dialFinishedSignal, (report) => {
    if (state) state.dialReported(report, Date.now());
    else early.push(report);
  });
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
  // Checked once per run, before its first dial: a finished dial frees its slot on its result
  // (not after the batched write), pages are read ahead and runs are longer. Runs recorded
  // before the change replay without it.
  const v2 = patched('campaign-dispatch-v2');
  state.freeSlotOnResult = v2;
  // v2 runs read pages and wrote batches through local activities; with many dials in flight
  // those runs did not replay (which of two racing local activities was issued first depends on
  // when their results arrived, which history does not record), so a worker restart stalled the
  // campaign. v3 runs use ordinary activities, whose completions are history events.
  const localIo = v2 && !patched('campaign-dispatch-v3');
  // In-flight dials are carried across continue-as-new instead of awaited (hand-off.ts), so a run
  // boundary no longer stops dialing until the slowest call ends. On by default since dispatch v3:
  // a signal arriving while the continue-as-new task is in flight makes Temporal fail that task
  // and the worker replays the run, which v2 runs (racing local activities) did not do reliably.
  // `handOffDials: false` turns it off. Carried dials are always honoured.
  const handoff = v2 && input.handOffDials !== false && patched(CAMPAIGN_HANDOFF_PATCH);
  state.handoff = handoff;
  for (const report of early.splice(0)) state.dialReported(report, Date.now());
  upsertSearchAttributes([{ key: SA.campaignId, value: campaignId }]);

  const loop = new DialLoop(state, campaignId, input, v2, localIo);
  if (handoff) {
    loop.handOff = new HandOff(state, input.handOffCheckMs ?? DEFAULT_HAND_OFF_CHECK_MS);
    void loop.handOff.watch();
  }
  const flusher = loop.flushForever();
  const end = await loop.run();
  await loop.settle();
  if (loop.handOff && end === 'continue') {
    // Dials still running go on reporting to the next run; those that finish meanwhile are settled here.
    await loop.handOff.handOver();
    await condition(() => state.allHandedOff());
  } else {
    // In-flight dials finish (a cancelled campaign hangs up on no one) and their outcomes are written.
    await condition(() => state.inFlight.size === 0);
  }
  loop.stopFlushing = true;
  state.bump();
  await flusher;
  await condition(allHandlersFinished);
  // Results signalled after the last write are carried (CampaignState.carry), as are those arriving
  // while this completion is in flight: Temporal then fails it and this code runs again with them.
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
