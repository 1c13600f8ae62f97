import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { installTemporalRuntime } from '../../src/worker.ts';
import { HISTORIES_DIR, historyFiles, readHistory, replayGroup } from '../support/histories.ts';

const WORKFLOWS = fileURLToPath(new URL('../../src/workflows/index.ts', import.meta.url));
const REORDERED = path.join(HISTORIES_DIR, 'reordered', 'workflows.ts');
const GROUP = path.join(HISTORIES_DIR, 'post-crm');

// The replay worker logs every state change and the expected determinism failure; keep it quiet.
installTemporalRuntime(createLogger('silent'));

const load = (name: string) => readHistory(path.join(GROUP, name));

/**
 * D1: histories recorded from the post-call and CRM workflow tests (RECORD_HISTORIES=1) must
 * replay against today's workflow code without a determinism violation.
 */
describe('post-call and CRM workflow histories', () => {
  const files = historyFiles('post-crm');

  it('covers every workflow of this part', () => {
    expect(files).toEqual([
      'crm-reconciliation.json',
      'crm-replay.json',
      'crm-sync-dead-lettered.json',
      'crm-sync-ok.json',
      'post-call-failed.json',
      'post-call-ok.json',
    ]);
  });

  it('replays every recorded history without a determinism violation', async () => {
    expect(await replayGroup('post-crm', WORKFLOWS)).toEqual([]);
  });

  it('detects a workflow whose activities were reordered (negative control)', async () => {
    await expect(
      Worker.runReplayHistory({ workflowsPath: REORDERED }, load('post-call-ok.json'), 'post-call-ok'),
    ).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
