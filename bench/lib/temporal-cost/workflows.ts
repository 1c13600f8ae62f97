import {
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { SA } from '../../../src/workflows/search-attributes.ts';
import type { CostActivities } from './activities.ts';

/**
 * Workflow shapes whose Temporal cost bench:temporal-cost compares. Activities do no I/O, so what
 * is measured is Temporal's own work (worker and server) per dial, not Postgres or Twilio.
 */
const remote = proxyActivities<CostActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds' },
});
const local = proxyLocalActivities<CostActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds' },
});

/** The lean dialer's shape, with the dial itself run by `place`. */
function leanDialer(place: typeof remote | typeof local) {
  return async () => {
    patched('cost-marker');
    await local.costClaim();
    const { callSid } = await place.costPlace();
    upsertSearchAttributes([
      { key: SA.callDirection, value: 'outbound' },
      { key: SA.callSid, value: callSid },
    ]);
    await local.costRecord();
  };
}

export const SHAPES = {
  /** Child start and completion only: the floor every dial pays. */
  'empty child': async () => {},
  /** The campaign bench double at 4c56468: one regular activity. */
  '1 activity': async () => {
    await remote.costClaim();
  },
  '1 local activity': async () => {
    await local.costClaim();
  },
  /** outboundCallWorkflow at 4c56468 on an instantly answered call (signals left out). */
  'dialer before': async () => {
    upsertSearchAttributes([
      { key: SA.callDirection, value: 'outbound' },
      { key: SA.campaignId, value: 'c1' },
    ]);
    await remote.costClaim();
    const { callSid } = await remote.costPlace();
    upsertSearchAttributes([{ key: SA.callSid, value: callSid }]);
    await remote.costRecord();
  },
  /** outboundCallWorkflow after this change: local claim and record, one upsert. */
  'dialer after': leanDialer(remote),
  /** As above without the upsert: what the one upsert costs. */
  'dialer after, no upsert': async () => {
    patched('cost-marker');
    await local.costClaim();
    await remote.costPlace();
    await local.costRecord();
  },
  /** The dial itself as a local activity too: the whole dial can fit in one workflow task. */
  'dialer all local': leanDialer(local),
} as const;
export type ShapeName = keyof typeof SHAPES;

export async function costChild(shape: ShapeName): Promise<void> {
  await SHAPES[shape]();
}

/** Starts `count` children of one shape, at most `window` at a time, as the campaign does. */
export async function costParent(input: {
  shape: ShapeName;
  count: number;
  window: number;
}): Promise<number> {
  const prefix = workflowInfo().workflowId;
  let next = 0;
  let done = 0;
  const lane = async () => {
    while (next < input.count) {
      const i = next++;
      const child = await startChild(costChild, {
        workflowId: `${prefix}:${i}`,
        args: [input.shape],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        typedSearchAttributes: [{ key: SA.campaignId, value: 'c1' }],
      });
      await child.result();
      done++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.window, input.count) }, lane));
  return done;
}
