import { readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { Worker } from '@temporalio/worker';

const { History } = proto.temporal.api.history.v1;

export const HISTORIES_DIR = fileURLToPath(new URL('../histories/', import.meta.url));

/**
 * With RECORD_HISTORIES=1, writes the workflow's finished history to test/histories/<group>/<name>.json
 * for the replay tests; otherwise does nothing. Re-record after an intended workflow change.
 */
export async function recordHistory(handle: WorkflowHandle, group: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  await handle.result().catch(() => undefined);
  const history = await handle.fetchHistory();
  const dir = path.join(HISTORIES_DIR, group);
  await fs.mkdir(dir, { recursive: true });
  // protobufjs' object form (64-bit numbers as strings, bytes as base64) round-trips exactly
  // through fromObject; the SDK's proto-JSON helper trips over two protobufjs copies here.
  const json = History.toObject(History.fromObject(history), { longs: String, bytes: String });
  await fs.writeFile(path.join(dir, `${name}.json`), `${JSON.stringify(json, null, 1)}\n`);
}

/** A history file written by recordHistory, as the History the replay worker takes. */
export function readHistory(file: string) {
  return History.fromObject(JSON.parse(readFileSync(file, 'utf8')));
}

/** The recorded histories of one group, by file name. */
export function historyFiles(group: string): string[] {
  return readdirSync(path.join(HISTORIES_DIR, group))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

/** Replays every history of a group against the given workflows; returns the failures. */
export async function replayGroup(group: string, workflowsPath: string): Promise<string[]> {
  const histories = historyFiles(group).map((f) => ({
    workflowId: f,
    history: readHistory(path.join(HISTORIES_DIR, group, f)),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  return failures;
}
