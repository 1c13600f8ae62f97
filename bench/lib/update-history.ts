import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

/** Where one Update's time went, from the server's own event times in the workflow history (ms). */
export interface UpdateStages {
  /** Workflow task scheduled → update accepted and the activity scheduled (server + worker task). */
  acceptTask: number;
  /** Activity scheduled → started (matching, worker poll). */
  activityDispatch: number;
  /** Activity started → completed: the Postgres booking through Prisma, plus reporting it. */
  activityRun: number;
  /** Activity completed → update completed (a second workflow task). */
  completeTask: number;
  /** From the workflow task that accepted it to the update's completion, all on the server clock. */
  serverTotal: number;
}

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

function ms(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;
}

/**
 * Reads a call workflow's history and returns the stages of each update by update id. Assumes the
 * updates of one workflow ran one after another (as a conversation's tool calls do).
 */
export async function updateStages(handle: WorkflowHandle): Promise<Map<string, UpdateStages>> {
  const history = await handle.fetchHistory();
  const out = new Map<string, UpdateStages>();
  let lastTaskScheduled: HistoryEvent | undefined;
  let open: { id: string; task: HistoryEvent; accepted: HistoryEvent; act: HistoryEvent[] } | undefined;
  for (const event of history.events ?? []) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        lastTaskScheduled = event;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const id = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId;
        if (id && lastTaskScheduled) open = { id, task: lastTaskScheduled, accepted: event, act: [] };
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        if (open && open.act.length < 3) open.act.push(event);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const id = event.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
        if (open && id === open.id && open.act.length === 3) {
          const [scheduled, started, completed] = open.act;
          out.set(id, {
            acceptTask: ms(scheduled) - ms(open.task),
            activityDispatch: ms(started) - ms(scheduled),
            activityRun: ms(completed) - ms(started),
            completeTask: ms(event) - ms(completed),
            serverTotal: ms(event) - ms(open.task),
          });
        }
        open = undefined;
        break;
      }
    }
  }
  return out;
}
