import type { Priority } from '@temporalio/common';

/**
 * Task priorities (Temporal priority keys: 1 is dispatched first, 5 last, 3 when unset). They
 * matter only when tasks wait in a task queue's backlog, which is exactly what a campaign makes:
 * hundreds of dial children at once keep a backlog of workflow tasks seconds long.
 * - A live call's workflow answers the caller's tool calls: nothing should make it wait.
 * - A campaign's own workflow starts the dials: behind its children's backlog, every round trip
 *   (a page of contacts, a hand-off at a run boundary) stalls all its dialing for seconds.
 * - Follow-up work a live call starts (summary, CRM sync, reminders) is not live: it goes back to
 *   the default, as children would otherwise inherit the call's first place.
 * - The dial children are the bulk work, and go last.
 * Children inherit their parent's priority unless they set their own, and a continued-as-new
 * run keeps its predecessor's. The server honours priority keys only with its priority-aware
 * matcher (`matching.useNewMatcher`, temporal-dev.yml); without it they are carried but ignored.
 */
export const PRIORITY = {
  liveCall: { priorityKey: 1 },
  campaign: { priorityKey: 2 },
  background: { priorityKey: 3 },
  campaignDial: { priorityKey: 4 },
} as const satisfies Record<string, Priority>;
