import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { Probe } from './health.ts';

/** Pollers seen within this window count as a live worker; the server keeps stale pollers ~5 min. */
const WORKER_FRESH_MS = 90_000;

export function databaseProbe(db: { $queryRaw: (q: TemplateStringsArray) => Promise<unknown> }): Probe {
  return async () => {
    await db.$queryRaw`SELECT 1`;
    return undefined;
  };
}

export function temporalProbe(connection: Connection, namespace: string): Probe {
  return async () => {
    await connection.workflowService.describeNamespace({ namespace });
    return `namespace ${namespace}`;
  };
}

/** A worker is up when it has recently long-polled the workflow task queue. */
export function workerProbe(connection: Connection, namespace: string, taskQueue: string): Probe {
  return async () => {
    const res = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const now = Date.now();
    const fresh = (res.pollers ?? []).filter((p) => {
      const seconds = Number(p.lastAccessTime?.seconds ?? 0);
      return now - seconds * 1000 < WORKER_FRESH_MS;
    });
    if (fresh.length === 0) throw new Error(`no worker polling task queue ${taskQueue}`);
    return `${fresh.length} poller(s) on ${taskQueue}`;
  };
}
