import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';

/** The campaign workflow's activities, shared by the workflow and its dial loop. */
export const campaignActivities = proxyActivities<Activities>({
  // Short, so after a worker crash an interrupted activity is retried within seconds.
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});

export const beginCampaign = proxyActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '500 milliseconds',
    maximumInterval: '10 seconds',
    nonRetryableErrorTypes: ['CampaignNotFound', 'CampaignFinished', 'CampaignInvalid'],
  },
}).beginCampaign;

/**
 * Page reads and batched writes as local activities: dispatch-v2 runs only, kept so their
 * histories replay. They were local so they would not wait behind the dials' own activities on
 * the task queue, but with many dials in flight v2 runs did not replay reliably; v3 runs use
 * `campaignActivities` (dispatched eagerly, since the dev server enables eager activities).
 */
export const campaignLocalActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});
