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
 * Page reads and batched writes as local activities (dispatch v2). They share the task queue with
 * nothing: as ordinary activities they waited behind every dial's own activities there (hundreds
 * at a high concurrency), which held finished dials' outcomes and the next page for seconds. Each
 * takes milliseconds and is idempotent, so re-running one after a worker crash is harmless.
 */
export const campaignLocalActivities = proxyLocalActivities<Activities>({
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '500 milliseconds', maximumInterval: '10 seconds' },
});
