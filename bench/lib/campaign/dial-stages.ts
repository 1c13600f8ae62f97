import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { campaignDialWorkflowId } from '../../../src/workflows/outbound/contract.ts';

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** Where a dial child's time went, from the server's event times (ms). */
export interface DialStages {
  /** Child started -> its first workflow task picked up by the worker. */
  firstTaskDispatch: number;
  /**
   * First workflow task started -> the child closed. Claim, dial and outcome are local activities
   * (the real dialer's shape since `outbound-local-dial`), so this is one workflow task's work.
   */
  localWork: number;
  /** Child closed -> the campaign wrote the outcome (dial_attempts.finished_at). */
  outcomeAfterClose: number;
  /** Child closed -> its completion recorded in the campaign's history (server to parent). */
  parentNotified: number;
  /** Completion in the campaign's history -> outcome written (the campaign's own batching). */
  outcomeAfterNotified: number;
}

function ms(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;
}

/** Stages of the given dials (contact id, attempt, outcome time), from each child's history. */
export async function dialStages(
  client: Client,
  dials: { contactId: string; attempt: number; outcomeMs: number }[],
  childCompletedAtMs: Map<string, number>,
): Promise<DialStages[]> {
  const out: DialStages[] = [];
  for (const d of dials) {
    const childId = campaignDialWorkflowId(d.contactId, d.attempt);
    const history = await client.workflow.getHandle(childId).fetchHistory();
    const notifiedMs = childCompletedAtMs.get(childId) ?? Number.NaN;
    const events = history.events ?? [];
    const wftStarted = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const closed = events.at(-1);
    out.push({
      firstTaskDispatch: ms(wftStarted[0]) - ms(events[0]),
      localWork: ms(closed) - ms(wftStarted[0]),
      outcomeAfterClose: d.outcomeMs - ms(closed),
      parentNotified: notifiedMs - ms(closed),
      outcomeAfterNotified: d.outcomeMs - notifiedMs,
    });
  }
  return out;
}

/** What the campaign runs' own histories say about their workflow tasks and child completions. */
export interface ParentFigures {
  /** Workflow tasks of the campaign that timed out or failed (each one costs a retry of the task). */
  taskTimeouts: number;
  taskFailures: number;
  /** Why those tasks failed (WorkflowTaskFailedCause name → count). */
  taskFailureCauses: Record<string, number>;
  /** Workflow task scheduled -> started in the campaign runs, ms. */
  taskDispatchMs: number[];
  /** When each child's completion was recorded in the campaign's history, by child workflow id. */
  childCompletedAtMs: Map<string, number>;
}

/** Reads the histories of the given campaign runs (a bounded number: they can be many). */
export async function parentFigures(
  client: Client,
  workflowId: string,
  runIds: string[],
): Promise<ParentFigures> {
  const out: ParentFigures = {
    taskTimeouts: 0,
    taskFailures: 0,
    taskFailureCauses: {},
    taskDispatchMs: [],
    childCompletedAtMs: new Map(),
  };
  for (const runId of runIds) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    let scheduled: HistoryEvent | undefined;
    for (const e of history.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) scheduled = e;
      else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED && scheduled)
        out.taskDispatchMs.push(ms(e) - ms(scheduled));
      else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) out.taskTimeouts++;
      else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        out.taskFailures++;
        const cause = proto.temporal.api.enums.v1.WorkflowTaskFailedCause[
          e.workflowTaskFailedEventAttributes?.cause ?? 0
        ] as string | undefined;
        const name = cause ?? String(e.workflowTaskFailedEventAttributes?.cause);
        out.taskFailureCauses[name] = (out.taskFailureCauses[name] ?? 0) + 1;
      } else if (e.eventType === EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED) {
        const id = e.childWorkflowExecutionCompletedEventAttributes?.workflowExecution?.workflowId;
        if (id) out.childCompletedAtMs.set(id, ms(e));
      }
    }
  }
  return out;
}
