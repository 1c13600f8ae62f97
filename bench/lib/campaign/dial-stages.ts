import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { campaignDialWorkflowId } from '../../../src/workflows/outbound/contract.ts';

const { EventType } = proto.temporal.api.enums.v1;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** Where a dial child's time went, from the server's event times (ms). */
export interface DialStages {
  /** Child started -> its first workflow task picked up by the worker. */
  firstTaskDispatch: number;
  /** The claim activity: scheduled -> started (matching to a poll). */
  activityDispatch: number;
  /** The claim activity: started -> completed (the Postgres transaction). */
  activityRun: number;
  /** The activity's completion -> the child closed (second workflow task). */
  closeAfterActivity: number;
  /** Child closed -> the campaign wrote the outcome (dial_attempts.finished_at). */
  outcomeAfterClose: number;
}

function ms(event: HistoryEvent | undefined): number {
  const t = event?.eventTime;
  return t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : Number.NaN;
}

/** Stages of the given dials (contact id, attempt, outcome time), from each child's history. */
export async function dialStages(
  client: Client,
  dials: { contactId: string; attempt: number; outcomeMs: number }[],
): Promise<DialStages[]> {
  const out: DialStages[] = [];
  for (const d of dials) {
    const history = await client.workflow
      .getHandle(campaignDialWorkflowId(d.contactId, d.attempt))
      .fetchHistory();
    const events = history.events ?? [];
    const first = (type: number) => events.find((e) => e.eventType === type);
    const wftStarted = events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
    const actScheduled = first(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
    const actStarted = first(EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED);
    const actCompleted = first(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED);
    const closed = events.at(-1);
    out.push({
      firstTaskDispatch: ms(wftStarted[0]) - ms(events[0]),
      activityDispatch: ms(actStarted) - ms(actScheduled),
      activityRun: ms(actCompleted) - ms(actStarted),
      closeAfterActivity: ms(closed) - ms(actCompleted),
      outcomeAfterClose: d.outcomeMs - ms(closed),
    });
  }
  return out;
}
