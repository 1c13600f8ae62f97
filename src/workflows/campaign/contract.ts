import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Campaign workflow messages, shared by the workflow and the admin API. */

export const campaignWorkflowType = 'campaignWorkflow';
export const campaignWorkflowId = (campaignId: string) => `campaign:${campaignId}`;

export interface CampaignInput {
  campaignId: string;
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
  status: 'running' | 'paused' | 'cancelling' | 'completed' | 'cancelled';
  contactsByStatus: Record<string, number>;
  dispositions: Record<string, number>;
  inFlight: number;
  concurrencyLimit: number;
  pacingPerMinute: number;
  /** ISO time of the next dial the workflow is waiting for (calling hours, pacing or retries). */
  nextDialAt?: string;
}

export const pauseCampaignSignal = defineSignal('pauseCampaign');
export const resumeCampaignSignal = defineSignal('resumeCampaign');
/** In-flight calls finish; nothing new is dialed. */
export const cancelCampaignSignal = defineSignal('cancelCampaign');
/** Validated before it is recorded; returns the settings now in force. */
export const changeCampaignSettingsUpdate = defineUpdate<CampaignSettingsChange, [CampaignSettingsChange]>(
  'changeCampaignSettings',
);
export const campaignProgressQuery = defineQuery<CampaignProgress>('campaignProgress');
