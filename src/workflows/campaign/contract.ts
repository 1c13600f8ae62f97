import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { CampaignRunSettings } from '../../domain/campaign-rules.ts';
import type { PacingBucket } from '../../domain/pacing.ts';
import type { OutboundCallResult } from '../outbound/contract.ts';

export type { CampaignRunSettings };

/** Campaign workflow messages, shared by the workflow and the admin API. */

export const campaignWorkflowType = 'campaignWorkflow';
export const campaignWorkflowId = (campaignId: string) => `campaign:${campaignId}`;

export interface CampaignInput {
  campaignId: string;
  /** Contacts read per activity call (default 100). */
  pageSize?: number;
  /**
   * Dials per run before continue-as-new (default 1,000; 250 in runs recorded before dispatch v2).
   * A run also hands over earlier when its history nears its event budget (dial-loop.ts).
   */
  dialsPerRun?: number;
  /**
   * Hand in-flight dials to the next run at continue-as-new instead of waiting for them (default
   * true; see campaign-workflow.ts). Carried into every later run.
   */
  handOffDials?: boolean;
  /**
   * How long a handed-off dial may stay unheard of before the run checks whether its child is still
   * open (default 2 minutes); a closed child that never reported is settled from its dial record.
   */
  handOffCheckMs?: number;
  /** Set by the workflow itself when it continues as new; callers leave it out. */
  carried?: CampaignCarriedState;
}

/** What one run hands the next: where the first pass is, what is due, live settings and status. */
export interface CampaignCarriedState {
  settings: CampaignRunSettings;
  paused: boolean;
  cancelled: boolean;
  /** Last contact id the first pass has read. */
  cursor?: string;
  firstPassDone: boolean;
  /** When a deferred first attempt or a retry is next due (ms since epoch); null when none is. */
  dueCheckAtMs: number | null;
  /** Pacing tokens left and when they were counted. */
  pacing: PacingBucket;
  contactsByStatus: Record<string, number>;
  dispositions: Record<string, number>;
  dialsStarted: number;
  runs: number;
  /**
   * Dials still running when the previous run continued as new (campaign-handoff): they count
   * against the concurrency limit and deliver their results by `dialFinishedSignal`.
   */
  handedOff?: HandedOffDial[];
  /** Results decided in the previous run after its last write: written first by this run. */
  unwrittenOutcomes?: CarriedOutcome[];
}

export interface HandedOffDial {
  contactId: string;
  attempt: number;
  timeZone: string;
  /** When the run last heard of (or checked on) this dial, ms since epoch. */
  sinceMs: number;
}

export interface CarriedOutcome {
  contactId: string;
  attempt: number;
  disposition: OutboundCallResult['disposition'];
  status: 'completed' | 'failed' | 'skipped' | 'retry_scheduled';
  nextAttemptAtMs?: number;
  callSid?: string;
}

export interface DialFinished {
  contactId: string;
  attempt: number;
  result: OutboundCallResult;
}

/** Weekday keys as in `Agent.businessHours`: {"mon":[["08:00","21:00"]],"sun":[]}. */
export type WeeklyHours = Partial<
  Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun', [string, string][]>
>;

export interface CampaignSettingsChange {
  concurrencyLimit?: number;
  pacingPerMinute?: number;
  callingHours?: WeeklyHours;
}

export interface CampaignProgress {
  status: 'draft' | 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';
  contactsByStatus: Record<string, number>;
  dispositions: Record<string, number>;
  /** Dials running now (children started, no result yet): what the concurrency limit bounds. */
  inFlight: number;
  /**
   * Finished dials whose outcome is not written to the database yet (written in batches).
   * Drained, with every outcome in the database, means `inFlight` and `unwritten` are both 0.
   */
  unwritten?: number;
  concurrencyLimit: number;
  pacingPerMinute: number;
  /** ISO time of the next dial the workflow is waiting for (calling hours, pacing or retries). */
  nextDialAt?: string;
  /** Dials started since the campaign began, over all runs. */
  dialsStarted?: number;
  /** Workflow runs so far (continue-as-new count + 1). */
  runs?: number;
}

export const pauseCampaignSignal = defineSignal('pauseCampaign');
export const resumeCampaignSignal = defineSignal('resumeCampaign');
/** In-flight calls finish; nothing new is dialed. */
export const cancelCampaignSignal = defineSignal('cancelCampaign');
/** Validated before it is recorded; returns the settings now in force. */
export const changeCampaignSettingsUpdate = defineUpdate<CampaignSettingsChange, [CampaignSettingsChange]>(
  'changeCampaignSettings',
);
/** A handed-off dial's result, sent by its child to `campaign:<id>` (see reportToCampaignSignal). */
export const dialFinishedSignal = defineSignal<[DialFinished]>('dialFinished');
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
