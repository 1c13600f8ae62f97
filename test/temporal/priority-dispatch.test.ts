import type * as proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { PRIORITY } from '../../src/workflows/priorities.ts';
import { connectToSuiteServer } from './support.ts';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

const WORKFLOWS = new URL('./fixtures/priority-workflows.ts', import.meta.url).pathname;
const DIALS = 20;

/**
 * A campaign leaves a backlog of dial children in the task queue; a live call and the campaign
 * itself must not wait behind it. On the dev server as temporal-dev.yml configures it (priority-
 * aware matching), a backlog is dispatched by priority key, not in arrival order.
 */
describe('task priorities on the dev server', () => {
  const server = connectToSuiteServer();
  const taskQueue = `priority-${Date.now().toString(36)}`;

  it('hands a live call and a campaign their workflow tasks ahead of a backlog of dials', async () => {
    const start = (id: string, priority: (typeof PRIORITY)[keyof typeof PRIORITY]) =>
      server.client.workflow.start('queuedWork', { taskQueue, workflowId: `${taskQueue}-${id}`, priority });
    // No worker polls yet: everything waits in the queue, the dials first.
    const handles = [];
    for (let i = 0; i < DIALS; i++) handles.push(await start(`dial-${i}`, PRIORITY.campaignDial));
    handles.push(await start('campaign', PRIORITY.campaign));
    handles.push(await start('live-call', PRIORITY.liveCall));

    // One task at a time, so the order the worker receives them is the order of dispatch.
    const worker = await Worker.create({
      connection: server.native,
      namespace: server.namespace,
      taskQueue,
      workflowsPath: WORKFLOWS,
      maxConcurrentWorkflowTaskExecutions: 1,
      maxConcurrentWorkflowTaskPolls: 1,
      maxCachedWorkflows: 0,
    });
    await worker.runUntil(Promise.all(handles.map((h) => h.result())));

    const firstTaskAt = new Map<string, number>();
    for (const h of handles) {
      const events = (await h.fetchHistory()).events ?? [];
      firstTaskAt.set(h.workflowId, startedMs(events));
    }
    const order = [...firstTaskAt.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    const rank = (id: string) => order.indexOf(`${taskQueue}-${id}`);
    // Started last, dispatched first: first-in-first-out would put them at 20 and 21.
    expect(rank('live-call')).toBe(0);
    expect(rank('campaign')).toBe(1);
  });
});

function startedMs(events: HistoryEvent[]): number {
  const started = events.find((e) => e.workflowTaskStartedEventAttributes);
  const t = started?.eventTime;
  return Number(t?.seconds ?? 0) * 1000 + (t?.nanos ?? 0) / 1e6;
}
