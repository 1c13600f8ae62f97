import type * as proto from '@temporalio/proto';

type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface LocalActivityRun {
  type: string;
  /** The attempt that produced the recorded result (1 unless it was retried within the task). */
  attempt: number;
  /** The activity's JSON result; undefined for a void or failed one. */
  result: unknown;
}

/**
 * The local activities a history recorded, in order. The SDK writes each as a `core_local_activity`
 * marker whose `data` detail is JSON with `activity_type` and `attempt`, and whose `result` detail
 * is the result payload.
 */
export function localActivityRuns(events: HistoryEvent[]): LocalActivityRun[] {
  return events.flatMap((e) => {
    const attrs = e.markerRecordedEventAttributes;
    if (attrs?.markerName !== 'core_local_activity') return [];
    const data = json(attrs.details?.data?.payloads?.[0]?.data) as { activity_type: string; attempt: number };
    return [
      {
        type: data.activity_type,
        attempt: data.attempt,
        result: json(attrs.details?.result?.payloads?.[0]?.data),
      },
    ];
  });
}

function json(data: Uint8Array | null | undefined): unknown {
  return data && data.length > 0 ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined;
}
