import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.ts';
import { installTemporalRuntime } from '../../../src/worker.ts';

const HISTORIES = fileURLToPath(new URL('../../histories/', import.meta.url));
const WORKFLOWS = fileURLToPath(new URL('../../../src/workflows/index.ts', import.meta.url));
const REORDERED = fileURLToPath(new URL('./fixtures/reordered-workflows.ts', import.meta.url));

/**
 * Fixtures are History protos as plain objects (`History.toObject` with longs, enums and bytes as
 * strings). Not `temporal workflow show --output json`: reading that needs the SDK's
 * historyFromJSON, which fails in this install ("type must be a Type": @temporalio/common brings
 * its own protobufjs 8 while @temporalio/proto is built with 7).
 */
const { History } = temporal.api.history.v1;

installTemporalRuntime(createLogger('silent'));

/** Recorded histories (test/histories, from real runs) against today's workflow code. */
function recorded(prefix: string) {
  return fs
    .readdirSync(HISTORIES)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.json'))
    .map((file) => ({
      file,
      history: History.fromObject(JSON.parse(fs.readFileSync(`${HISTORIES}${file}`, 'utf8'))),
    }));
}

describe('reminder and retention workflows replay their recorded histories', () => {
  it('replays every recorded history without a determinism violation', async () => {
    const histories = [...recorded('reminder-'), ...recorded('retention-')];
    expect(histories.map((h) => h.file).sort()).toEqual([
      'reminder-cancelled.json',
      'reminder-rescheduled.json',
      'reminder-sent-after-retry.json',
      'retention-purge.json',
    ]);
    for (const { file, history } of histories) {
      await expect(
        Worker.runReplayHistory({ workflowsPath: WORKFLOWS }, history, file),
        file,
      ).resolves.toBeUndefined();
    }
  }, 120_000);

  it('detects a change in the order of commands (negative control)', async () => {
    const [{ file, history }] = recorded('reminder-cancelled') as [{ file: string; history: unknown }];
    await expect(Worker.runReplayHistory({ workflowsPath: REORDERED }, history, file)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  }, 120_000);
});
