import { readFileSync } from 'node:fs';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';

const { EventType } = proto.temporal.api.enums.v1;

/**
 * Where one Update's time went, from the server's own event times in the workflow history (ms).
 * Tool updates run their activity as a local activity, so one workflow task carries the whole
 * update: acceptance, the booking in Postgres (a marker event) and the result.
 */
export interface UpdateStages {
  /** Workflow task scheduled → started: the server matching the task to the worker's poll. */
  taskDispatch: number;
  /** Workflow task started → completed: the worker ran the validator, the handler and the local
   *  activity (the Prisma/Postgres booking), then reported it all. */
  workerTask: number;
  /** From the workflow task that carried it to the update's completion, on the server clock. */
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
  let task: { scheduled: HistoryEvent; started?: HistoryEvent; completed?: HistoryEvent } | undefined;
  let open: { id: string; task: NonNullable<typeof task> } | undefined;
  for (const event of history.events ?? []) {
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
        task = { scheduled: event };
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
        if (task) task.started = event;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        if (task) task.completed = event;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const id = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.meta?.updateId;
        if (id && task) open = { id, task };
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const id = event.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId;
        const t = open?.task;
        if (open && t && id === open.id) {
          out.set(id, {
            taskDispatch: ms(t.started) - ms(t.scheduled),
            workerTask: ms(t.completed) - ms(t.started),
            serverTotal: ms(event) - ms(t.scheduled),
          });
        }
        open = undefined;
        break;
      }
    }
  }
  return out;
}

/** Workflow tasks and history events a call workflow's history holds (to divide by its updates). */
export async function historyCounts(
  handle: WorkflowHandle,
): Promise<{ events: number; workflowTasks: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  return {
    events: events.length,
    workflowTasks: events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED).length,
  };
}

/** Process CPU time (user + system) from /proc, in µs; NaN where /proc is not there. */
export function procCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks / CLOCK_TICKS_PER_S) * 1e6;
  } catch {
    return Number.NaN;
  }
}

/** USER_HZ: 100 on every Linux platform Node runs on. */
const CLOCK_TICKS_PER_S = 100;
